//! Hold on an approval's card, where Coupa allows the approval to be held: an inline form
//! (`Action.ShowCard`) asking for a required reason, like Deny's, whose Hold action
//! (`Action.Execute` with verb [`HOLD`], falling back to `Action.Submit`) carries the card's
//! [`ActionData`]. Its reason field has an id of its own ([`HOLD_REASON_INPUT`]), so a reason typed
//! in the deny form is never taken for a hold's. Pure.

use serde_json::{Value, json};

use super::{ActionData, execute, text};
use crate::chat::card::Card;
use crate::chat::wording as shared;
use crate::domain::MAX_REASON_CHARS;
use crate::teams::wording;

/// The verb of the Hold action in the hold form.
pub const HOLD: &str = "hold";

/// The id of the reason field in the hold form: the reason arrives under this key.
pub const HOLD_REASON_INPUT: &str = "hold-reason";

/// Hold: the reason form for `card`, whose requisition's title (escaped) is `title`.
pub(super) fn hold_action(card: &Card, title: &str) -> Value {
    let form = vec![
        text(&wording::holding(title)),
        json!({
            "type": "Input.Text",
            "id": HOLD_REASON_INPUT,
            "label": "Reason",
            "isMultiline": true,
            "isRequired": true,
            "maxLength": MAX_REASON_CHARS,
            "placeholder": wording::HOLD_PLACEHOLDER,
            "errorMessage": shared::REASON_MISSING,
        }),
    ];
    let hold = execute(&ActionData::of(card, HOLD), "Hold", "default");
    json!({
        "type": "Action.ShowCard",
        "title": "Hold",
        "card": { "type": "AdaptiveCard", "body": form, "actions": [hold] },
    })
}
