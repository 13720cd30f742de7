//! Cards, lists, digests ([`digest()`]) and modals as Block Kit, from the neutral view models.
//! Pure.
//!
//! Every message stays inside Block Kit's limits — text is cut with "…", never rejected — and
//! carries a plain-text `text` fallback for notifications.
//!
//! The labels and status lines of cards, lists and modals belong to their layout here; the
//! sentences the bot says to people (outcomes, notices, help, the modal's errors) come from
//! [`super::wording`].

use slack_morphism::prelude::*;

use crate::chat::card::{Card, CardState};
use crate::chat::list::ListPurpose;
use jiff::Timestamp;
use rust_decimal::Decimal;

use crate::domain::change::Change;
use crate::domain::records::{AuditEntry, PendingItem, PendingSnapshot};
use crate::domain::{Decision, Line, MAX_REASON_CHARS, Money};

use super::format::{age, escape, money, quantity, slack_date, truncate};
use super::payload::{
    APPROVE, ButtonValue, DENY, DENY_MODAL, DenyMetadata, HOLD, HOLD_MODAL, OPEN_IN_COUPA,
    REASON_BLOCK, REASON_INPUT,
};
use super::wording;
use crate::chat::wording as shared;

mod digest;
pub use digest::digest;

/// Block Kit limits this module keeps to.
pub mod limits {
    /// Blocks in a message.
    pub const MESSAGE_BLOCKS: usize = 50;
    /// Blocks in a modal or App Home.
    pub const VIEW_BLOCKS: usize = 100;
    /// Characters in a section's text.
    pub const SECTION_TEXT: usize = 3_000;
    /// Characters in one section field.
    pub const FIELD_TEXT: usize = 2_000;
    /// Fields in a section.
    pub const FIELDS: usize = 10;
    /// Characters in a header.
    pub const HEADER: usize = 150;
    /// Characters in a button's text.
    pub const BUTTON_TEXT: usize = 75;
    /// Characters in a button's value.
    pub const BUTTON_VALUE: usize = 2_000;
    /// Elements in a context block.
    pub const CONTEXT_ELEMENTS: usize = 10;
    /// Characters in a modal title, submit or close label.
    pub const MODAL_TITLE: usize = 24;
    /// Characters in a confirmation dialog's title.
    pub const CONFIRM_TITLE: usize = 100;
    /// Characters in a confirmation dialog's text.
    pub const CONFIRM_TEXT: usize = 300;
    /// Characters in a confirmation dialog's buttons.
    pub const CONFIRM_BUTTON: usize = 30;
    /// Characters in the notification fallback (Slack truncates beyond ~40,000; keep it short).
    pub const FALLBACK_TEXT: usize = 300;
}

/// Lines shown on a card; the rest are counted.
pub const SHOWN_LINES: usize = 5;

/// A rendered message: notification text and blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Plain-text fallback.
    pub text: String,
    /// The blocks.
    pub blocks: Vec<SlackBlock>,
}

fn md(text: impl AsRef<str>, max: usize) -> SlackBlockText {
    SlackBlockText::MarkDown(SlackBlockMarkDownText::new(truncate(text.as_ref(), max)))
}

fn plain(text: impl AsRef<str>, max: usize) -> SlackBlockPlainTextOnly {
    SlackBlockPlainTextOnly::from(truncate(text.as_ref(), max))
}

fn section(text: impl AsRef<str>) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(md(text, limits::SECTION_TEXT))
        .into()
}

fn context(text: impl AsRef<str>) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(truncate(text.as_ref(), limits::SECTION_TEXT)),
    )])
    .into()
}

fn link_button(card: &Card) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(plain("View in Coupa", limits::BUTTON_TEXT))
        .with_action_id(OPEN_IN_COUPA.into())
        .with_url(card.coupa_link.clone())
        .into()
}

/// The card as a message.
pub fn card(card: &Card) -> Rendered {
    let r = &card.requisition;
    let total = money(&r.total);
    let requester = r
        .requested_by
        .as_ref()
        .map(|p| p.full_name.as_str())
        .unwrap_or("someone");
    // The notification text is mrkdwn too: Coupa's words in it are escaped like the blocks'.
    let title = escape(&r.title);
    let mut blocks: Vec<SlackBlock> = Vec::new();
    // Slack refuses an empty header; a requisition without a title still needs one.
    let heading = if r.title.trim().is_empty() {
        format!("Requisition #{}", r.id)
    } else {
        r.title.clone()
    };
    blocks.push(SlackHeaderBlock::new(plain(&heading, limits::HEADER)).into());
    if let Some(approver) = &card.delegate_for {
        blocks.push(context(format!(
            ":busts_in_silhouette: {}",
            shared::as_delegate_for(&escape(approver), bold)
        )));
    }
    if let CardState::Changed(Some(change)) = &card.state {
        return changed(card, change, blocks, requester);
    }
    if card.state == CardState::Changed(None) {
        // What the card showed is not known, and the new figures belong on the new card: show
        // neither, only what happened.
        blocks.push(section(format!(
            ":pencil2: {}",
            shared::changed_since_sent(bold)
        )));
        blocks.push(SlackActionsBlock::new(vec![link_button(card)]).into());
        return Rendered {
            text: truncate(&format!("Changed: {title}"), limits::FALLBACK_TEXT),
            blocks,
        };
    }

    if let Some(change) = &card.updated {
        blocks.push(context(format!(
            ":pencil2: Updated: {}",
            wording::change(change)
        )));
    }
    let mut fields = vec![
        md(
            format!("*Requester*\n{}", escape(requester)),
            limits::FIELD_TEXT,
        ),
        md(format!("*Total*\n{total}"), limits::FIELD_TEXT),
    ];
    if let Some(date) = r.need_by {
        fields.push(md(format!("*Need by*\n{date}"), limits::FIELD_TEXT));
    }
    if let Some(department) = &r.department {
        fields.push(md(
            format!("*Department*\n{}", escape(department)),
            limits::FIELD_TEXT,
        ));
    }
    if let Some((step, of)) = card.step {
        fields.push(md(
            format!("*Approval step*\n{step} of {of}"),
            limits::FIELD_TEXT,
        ));
    }
    fields.truncate(limits::FIELDS);
    blocks.push(SlackSectionBlock::new().with_fields(fields).into());

    if let Some(justification) = r.justification.as_deref().filter(|j| !j.trim().is_empty()) {
        blocks.push(section(format!(
            "*Justification*\n{}",
            escape(justification)
        )));
    }
    if !r.lines.is_empty() {
        blocks.push(SlackDividerBlock::new().into());
        for line in r.lines.iter().take(SHOWN_LINES) {
            blocks.push(section(line_text(line)));
        }
        let total_lines = (r.line_count.unwrap_or(0) as usize).max(r.lines.len());
        if total_lines > SHOWN_LINES {
            blocks.push(context(shared::more_lines(total_lines - SHOWN_LINES)));
        }
    }
    let submitted = r
        .submitted_at
        .map(|t| format!(" · submitted {}", slack_date(t)))
        .unwrap_or_default();
    blocks.push(context(format!("Requisition #{}{submitted}", r.id)));

    let (status, fallback) = match &card.state {
        CardState::Pending => {
            blocks.push(actions(card));
            (
                None,
                format!(
                    "Approval needed: {title} — {total} from {}",
                    escape(requester)
                ),
            )
        }
        CardState::DecidedHere {
            decision,
            by,
            at,
            reason,
        } => {
            let mut text = format!(
                "{} *{}* by {} in Slack · {}",
                icon(*decision),
                title_case(decision.past_tense()),
                escape(by),
                slack_date(*at)
            );
            if let Some(reason) = reason.as_deref().filter(|r| !r.trim().is_empty()) {
                text.push_str(&format!("\n>{}", escape(reason).replace('\n', "\n>")));
            }
            (
                Some(text),
                format!("{}: {title}", title_case(decision.past_tense())),
            )
        }
        CardState::DecidedByOther {
            decision,
            by,
            at,
            as_delegate_for,
        } => (
            Some(format!(
                "{} *{}* by {} ({}) · {}",
                icon(*decision),
                title_case(decision.past_tense()),
                escape(by),
                shared::decided_by_whom(as_delegate_for.as_deref().map(escape).as_deref()),
                slack_date(*at)
            )),
            format!(
                "{} by {}: {title}",
                title_case(decision.past_tense()),
                escape(by)
            ),
        ),
        CardState::DecidedInCoupa { decision, by, at } => (
            Some(format!(
                "{} *{} in Coupa*{}{}",
                icon(*decision),
                title_case(decision.past_tense()),
                by.as_deref()
                    .map(|by| format!(" by {}", escape(by)))
                    .unwrap_or_default(),
                at.map(|t| format!(" · {}", slack_date(t)))
                    .unwrap_or_default()
            )),
            format!("{} in Coupa: {title}", title_case(decision.past_tense())),
        ),
        CardState::NoLongerPending => (
            Some(format!(
                ":information_source: {}",
                shared::no_longer_pending(bold)
            )),
            format!("No longer pending: {title}"),
        ),
        CardState::Expired => (
            Some(format!(":hourglass: {}", shared::expired(bold))),
            format!("Expired: {title}"),
        ),
        CardState::Changed(_) => (None, format!("Changed: {title}")),
        CardState::OnHold(hold) => (
            Some(format!(
                ":double_vertical_bar: {}\n{}",
                shared::on_hold(
                    hold.by.as_deref().map(escape).as_deref(),
                    hold.reason.as_deref().map(escape).as_deref(),
                    bold
                ),
                shared::ON_HOLD_NEXT
            )),
            format!("On hold: {title}"),
        ),
    };
    if let Some(status) = status {
        blocks.push(section(status));
        blocks.push(SlackActionsBlock::new(vec![link_button(card)]).into());
    }
    blocks.truncate(limits::MESSAGE_BLOCKS);
    Rendered {
        text: truncate(&fallback, limits::FALLBACK_TEXT),
        blocks,
    }
}

/// A card whose requisition changed after it was sent: what it showed, greyed (its old total
/// struck through when that is what changed), what changed, and no buttons.
fn changed(card: &Card, change: &Change, mut blocks: Vec<SlackBlock>, requester: &str) -> Rendered {
    let r = &card.requisition;
    let total = match &change.total {
        Some((before, _)) => format!("~{}~", money(before)),
        None => money(&r.total),
    };
    let mut shown = vec![
        format!("Requester: {}", escape(requester)),
        format!("Total: {total}"),
    ];
    if let Some(date) = r.need_by {
        shown.push(format!("Need by: {date}"));
    }
    if let Some(department) = &r.department {
        shown.push(format!("Department: {}", escape(department)));
    }
    if let Some((step, of)) = card.step {
        shown.push(format!("Approval step {step} of {of}"));
    }
    blocks.push(context(shown.join(" · ")));
    blocks.push(context(format!("Requisition #{}", r.id)));
    let what = wording::change(change);
    blocks.push(section(format!(
        ":pencil2: {}",
        shared::changed_in_coupa(&what, bold)
    )));
    blocks.push(SlackActionsBlock::new(vec![link_button(card)]).into());
    Rendered {
        text: truncate(
            &format!("Changed: {} — {what}", escape(&r.title)),
            limits::FALLBACK_TEXT,
        ),
        blocks,
    }
}

fn actions(card: &Card) -> SlackBlock {
    let confirm = card
        .confirm_approve
        .then_some((card.requisition.title.as_str(), &card.requisition.total));
    let value = ButtonValue::of(card);
    let mut block = buttons(&value, confirm, Some(&card.coupa_link));
    // Hold, after Deny, only where Coupa allows it.
    if card.holdable()
        && let SlackBlock::Actions(actions) = &mut block
    {
        let hold = SlackBlockButtonElement::new(plain("Hold", limits::BUTTON_TEXT))
            .with_action_id(HOLD.into())
            .with_value(truncate(&value.encode(), limits::BUTTON_VALUE));
        let at = actions.elements.len().min(2);
        actions.elements.insert(at, hold.into());
    }
    block
}

/// Approve (with a confirm dialog when `confirm` names what is approved), Deny and, with a
/// link, View in Coupa.
fn buttons(
    value: &ButtonValue,
    confirm: Option<(&str, &Money)>,
    link: Option<&url::Url>,
) -> SlackBlock {
    let value = truncate(&value.encode(), limits::BUTTON_VALUE);
    let mut approve = SlackBlockButtonElement::new(plain("Approve", limits::BUTTON_TEXT))
        .with_action_id(APPROVE.into())
        .with_style(SlackBlockButtonStyle::Primary)
        .with_value(value.clone());
    if let Some((title, total)) = confirm {
        approve = approve.with_confirm(SlackBlockConfirmItem::new(
            plain("Approve this requisition?", limits::CONFIRM_TITLE),
            md(
                shared::confirm_approve(&escape(title), &money(total), bold),
                limits::CONFIRM_TEXT,
            ),
            plain("Approve", limits::CONFIRM_BUTTON),
            plain("Cancel", limits::CONFIRM_BUTTON),
        ));
    }
    let deny = SlackBlockButtonElement::new(plain("Deny", limits::BUTTON_TEXT))
        .with_action_id(DENY.into())
        .with_style(SlackBlockButtonStyle::Danger)
        .with_value(value);
    let mut elements: Vec<SlackActionBlockElement> = vec![approve.into(), deny.into()];
    if let Some(link) = link {
        elements.push(
            SlackBlockButtonElement::new(plain("View in Coupa", limits::BUTTON_TEXT))
                .with_action_id(OPEN_IN_COUPA.into())
                .with_url(link.clone())
                .into(),
        );
    }
    SlackActionsBlock::new(elements).into()
}

fn line_text(line: &Line) -> String {
    let mut text = format!("*{}.* {}", line.number, escape(&line.description));
    let price = match (&line.quantity, &line.unit_price, &line.total) {
        (Some(q), Some(p), _) => Some(format!("{} × {}", quantity(*q), money(p))),
        (_, _, Some(total)) => Some(money(total)),
        _ => None,
    };
    let mut details: Vec<String> = price.into_iter().collect();
    if let Some(supplier) = &line.supplier {
        details.push(escape(supplier));
    }
    if let Some(account) = &line.account {
        match (&account.name, &account.code) {
            (Some(name), Some(code)) => {
                details.push(format!("{} ({})", escape(name), escape(code)))
            }
            (Some(name), None) => details.push(escape(name)),
            (None, Some(code)) => details.push(escape(code)),
            (None, None) => {}
        }
    }
    if !details.is_empty() {
        text.push('\n');
        text.push_str(&details.join(" · "));
    }
    text
}

/// mrkdwn's bold, for the shared wording's emphasis.
fn bold(text: &str) -> String {
    format!("*{text}*")
}

fn icon(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => ":white_check_mark:",
        Decision::Reject => ":x:",
        Decision::Hold => ":double_vertical_bar:",
    }
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The deny-reason modal for the card whose Deny button carried `metadata`.
pub fn deny_modal(metadata: &DenyMetadata, title: &str) -> SlackView {
    let input = SlackBlockPlainTextInputElement::new()
        .with_action_id(REASON_INPUT.into())
        .with_multiline(true)
        .with_max_length(MAX_REASON_CHARS as u64)
        .with_placeholder(plain(
            "Why are you denying it? The requester sees this in Coupa.",
            150,
        ));
    SlackView::Modal(
        SlackModalView::new(
            plain("Deny requisition", limits::MODAL_TITLE),
            vec![
                section(format!("Denying *{}*.", escape(title))),
                SlackInputBlock::new(
                    plain("Reason", 2_000),
                    SlackInputBlockElement::PlainTextInput(input),
                )
                .with_block_id(REASON_BLOCK.into())
                .into(),
            ],
        )
        .with_callback_id(DENY_MODAL.into())
        .with_submit(plain("Deny", limits::MODAL_TITLE))
        .with_close(plain("Cancel", limits::MODAL_TITLE))
        .with_private_metadata(metadata.encode()),
    )
}

/// The hold-reason modal for the card whose Hold button carried `metadata`.
pub fn hold_modal(metadata: &DenyMetadata, title: &str) -> SlackView {
    let input = SlackBlockPlainTextInputElement::new()
        .with_action_id(REASON_INPUT.into())
        .with_multiline(true)
        .with_max_length(MAX_REASON_CHARS as u64)
        .with_placeholder(plain(
            "Why are you putting it on hold? The requester sees this in Coupa.",
            150,
        ));
    SlackView::Modal(
        SlackModalView::new(
            plain("Hold requisition", limits::MODAL_TITLE),
            vec![
                section(format!(
                    "Putting *{}* on hold. It can be decided again once it is released in Coupa.",
                    escape(title)
                )),
                SlackInputBlock::new(
                    plain("Reason", 2_000),
                    SlackInputBlockElement::PlainTextInput(input),
                )
                .with_block_id(REASON_BLOCK.into())
                .into(),
            ],
        )
        .with_callback_id(HOLD_MODAL.into())
        .with_submit(plain("Hold", limits::MODAL_TITLE))
        .with_close(plain("Cancel", limits::MODAL_TITLE))
        .with_private_metadata(metadata.encode()),
    )
}

/// The reason submitted in the deny or hold modal, or the error to show on its field.
pub fn validate_reason(reason: Option<&str>) -> Result<String, String> {
    let reason = reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        return Err(wording::REASON_MISSING.to_owned());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(wording::reason_too_long());
    }
    Ok(reason.to_owned())
}

/// How a pending list is rendered.
pub struct ListOptions<'a> {
    /// The list came from an earlier read (Coupa is unreachable): say so, and show no buttons.
    pub stale: bool,
    /// When the list is rendered: the items' buttons are issued then, and ages count to it.
    pub issued_at: Timestamp,
    /// Items above this total ask for confirmation before approving.
    pub confirm_above: Option<Decimal>,
    /// The Coupa instance, for links.
    pub coupa: &'a url::Url,
    /// At most this many items are shown.
    pub shown: usize,
    /// At most this many blocks (50 in a message, 100 in App Home).
    pub max_blocks: usize,
}

/// "What's pending": at most `shown` items with amount, requester, age and buttons; a notice
/// when the list is from an earlier read; "and N more" with a link to Coupa.
pub fn pending_list(snapshot: &PendingSnapshot, options: &ListOptions<'_>) -> Rendered {
    headed_list(None, snapshot, options)
}

/// A list sent unasked (a reminder): the "what's pending" list under a heading saying what it
/// is for, its notification text saying so too.
pub fn purpose_list(
    purpose: ListPurpose,
    snapshot: &PendingSnapshot,
    options: &ListOptions<'_>,
) -> Rendered {
    let heading = shared::list_purpose(purpose, |s| format!("*{s}*"));
    let mut rendered = headed_list(Some(&heading), snapshot, options);
    rendered.text = truncate(
        &shared::list_purpose_summary(purpose, snapshot.items.len()),
        limits::FALLBACK_TEXT,
    );
    rendered
}

/// The pending list as [`pending_list`] lays it out, under `heading` (mrkdwn) when there is one.
pub fn headed_list(
    heading: Option<&str>,
    snapshot: &PendingSnapshot,
    options: &ListOptions<'_>,
) -> Rendered {
    let count = snapshot.items.len();
    let mut blocks = Vec::new();
    if let Some(heading) = heading {
        blocks.push(section(heading));
    }
    if options.stale {
        blocks.push(context(format!(
            ":warning: Coupa can't be reached right now; this list is from {}.",
            slack_date(snapshot.as_of)
        )));
    }
    let heading = match count {
        0 => "Nothing is waiting for your approval. :tada:".to_owned(),
        1 => "*1 requisition* is waiting for your approval:".to_owned(),
        n => format!("*{n} requisitions* are waiting for your approval, oldest first:"),
    };
    blocks.push(section(heading));
    // Show whole items only (each with its buttons), as many as fit beside the notice, the
    // heading and the "more" line, so "…and N more" always counts what is not shown.
    let per_item = if options.stale { 2 } else { 3 };
    // Room is kept for approving several at once, when any item can be.
    let selecting = !options.stale
        && snapshot
            .items
            .iter()
            .any(|item| crate::chat::selection::selectable(item, options.confirm_above));
    let reserved = if selecting {
        super::several::SELECTION_BLOCKS
    } else {
        0
    };
    let room = options
        .max_blocks
        .saturating_sub(blocks.len())
        .saturating_sub(reserved);
    let shown = if count <= options.shown && count * per_item <= room {
        count
    } else {
        (room.saturating_sub(1) / per_item)
            .min(options.shown)
            .min(count)
    };
    for item in snapshot.items.iter().take(shown) {
        blocks.push(SlackDividerBlock::new().into());
        blocks.push(section(item_text(item, options.issued_at)));
        if !options.stale {
            let value = ButtonValue {
                approval: item.approval,
                requisition: item.requisition,
                fingerprint: item.fingerprint.clone(),
                issued_at: options.issued_at.as_second(),
            };
            let confirm = options
                .confirm_above
                .is_some_and(|limit| item.total.amount > limit)
                .then_some((item.title.as_str(), &item.total));
            let mut link = options.coupa.clone();
            link.set_path(&format!("/requisition_headers/{}", item.requisition));
            blocks.push(buttons(&value, confirm, Some(&link)));
        }
    }
    if selecting {
        blocks.extend(super::several::selection_blocks(
            &snapshot.items[..shown],
            options.issued_at,
            options.confirm_above,
        ));
    }
    if count > shown {
        blocks.push(context(format!(
            "…and {} more. <{}|See them all in Coupa>",
            count - shown,
            options.coupa
        )));
    }
    // Only a limit too small for the heading itself gets here.
    blocks.truncate(options.max_blocks);
    Rendered {
        text: match count {
            0 => "Nothing is waiting for your approval.".to_owned(),
            n => format!("{n} requisition(s) waiting for your approval"),
        },
        blocks,
    }
}

/// One item: title, amount, requester, age at `now`, number.
fn item_text(item: &PendingItem, now: Timestamp) -> String {
    let submitted = item
        .submitted_at
        .map(|t| format!(" · submitted {}", age(t, now)))
        .unwrap_or_default();
    let requester = item
        .requester
        .as_deref()
        .map(|r| format!(" · from {}", escape(r)))
        .unwrap_or_default();
    let delegate = item
        .delegate_for
        .as_deref()
        .map(|approver| format!("\n_{}_", shared::as_delegate_for(&escape(approver), bold)))
        .unwrap_or_default();
    format!(
        "*{}*\n{}{requester}{submitted} · #{}{delegate}",
        escape(&item.title),
        money(&item.total),
        item.requisition
    )
}

/// A person's own decisions (newest first), one section each: what, when, what came of it and
/// the reason given; an empty history says so.
pub fn history(entries: &[AuditEntry]) -> Rendered {
    if entries.is_empty() {
        return notice(wording::HISTORY_EMPTY);
    }
    let mut blocks = vec![section(wording::history_heading(entries.len()))];
    for entry in entries.iter().take(limits::MESSAGE_BLOCKS - 1) {
        let title = match (entry.title.as_deref(), entry.requisition) {
            (Some(title), Some(id)) if !title.trim().is_empty() => {
                format!("{} · #{id}", escape(title))
            }
            (_, Some(id)) => format!("Requisition #{id}"),
            (_, None) => format!("Approval #{}", entry.approval),
        };
        let title = match entry.delegate_for.as_deref() {
            Some(approver) => format!(
                "{title} · {}",
                shared::as_delegate_for(&escape(approver), |name| name.to_owned())
            ),
            None => title,
        };
        let total = entry.total.as_ref().map(money);
        blocks.push(section(wording::history_item(
            &title,
            total.as_deref(),
            &slack_date(entry.at),
            &entry.outcome,
            entry.comment.as_deref(),
        )));
    }
    Rendered {
        text: wording::history_summary(entries.len()),
        blocks,
    }
}

/// A short plain message as blocks.
pub fn notice(text: &str) -> Rendered {
    Rendered {
        text: truncate(text, limits::FALLBACK_TEXT),
        blocks: vec![section(text)],
    }
}

/// The help text for an unknown or help request.
pub fn help() -> Rendered {
    notice(wording::HELP)
}

/// How many blocks App Home keeps for the person's history below the pending list: its heading,
/// a divider and the most entries a history lists.
pub const HOME_HISTORY_BLOCKS: usize = 2 + crate::engine::history::HISTORY_ITEMS;

/// App Home: the pending list (or why it cannot be shown) and what is shown with it, then the
/// person's own decisions of the last days (or why they cannot be shown). `pending` must leave
/// [`HOME_HISTORY_BLOCKS`] of the view's blocks (and one for the header), so the history always
/// fits below it.
pub fn home(pending: Rendered, history: Rendered) -> SlackView {
    let mut blocks =
        vec![SlackHeaderBlock::new(plain("Your Coupa approvals", limits::HEADER)).into()];
    blocks.extend(pending.blocks);
    blocks.push(SlackDividerBlock::new().into());
    blocks.extend(history.blocks);
    blocks.truncate(limits::VIEW_BLOCKS);
    SlackView::Home(SlackHomeView::new(blocks))
}
