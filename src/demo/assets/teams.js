// The Teams pane's behaviour, and which panes show (Slack, Teams or both side by side): poll the
// chosen person's 1:1 chat with the bot in Teams, open a card's Action.ShowCard forms, and turn
// card clicks, typed messages and the "new cards go to" switch into calls to the demo server,
// which signs them as Teams would and sends them to the app. The HTML comes from the server,
// already escaped; this script only places it, keeping open forms and typed text across redraws.
(function () {
  "use strict";
  const $ = (selector, root) => (root || document).querySelector(selector);
  const log = $("#teams-conversation");
  const state = { user: $("#teams-person").value, version: null, followUntil: 0 };

  // Calls to the demo server, the toast, polling and the message box: the Slack pane's (demo.js,
  // loaded first).
  const { call, toast, poll, composer } = window.demoPage;

  // Which panes show: ?view=slack, teams or both.
  function showView(view) {
    if (!["slack", "teams", "both"].includes(view)) view = "both";
    document.body.classList.remove("view-slack", "view-teams", "view-both");
    document.body.classList.add("view-" + view);
    document.querySelectorAll(".view").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
    const params = new URLSearchParams(location.search);
    params.set("view", view);
    history.replaceState(null, "", "?" + params.toString());
  }
  document.querySelectorAll(".view").forEach((b) => b.addEventListener("click", () => showView(b.dataset.view)));
  showView(new URLSearchParams(location.search).get("view") || "both");

  // What the person has open or typed in each card, so a redraw keeps it.
  function remember() {
    const kept = {};
    log.querySelectorAll("article[data-activity]").forEach((article) => {
      const cards = [...article.querySelectorAll(".ac-showcard")];
      const inputs = {};
      article.querySelectorAll("[data-input-id]").forEach((i) => { if (i.value) inputs[i.dataset.inputId] = i.value; });
      kept[article.dataset.activity] = {
        shown: cards.length,
        open: cards.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0),
        inputs,
      };
    });
    const focused = document.activeElement;
    const focus = focused && focused.dataset && focused.dataset.inputId && log.contains(focused)
      ? { activity: focused.closest("article").dataset.activity, input: focused.dataset.inputId }
      : null;
    return { kept, focus };
  }

  function restore({ kept, focus }) {
    log.querySelectorAll("article[data-activity]").forEach((article) => {
      const was = kept[article.dataset.activity];
      if (!was) return;
      const cards = [...article.querySelectorAll(".ac-showcard")];
      // A card that changed its forms (decided, say) starts closed.
      if (cards.length === was.shown) was.open.forEach((i) => setOpen(cards[i], true));
      article.querySelectorAll("[data-input-id]").forEach((i) => {
        if (was.inputs[i.dataset.inputId] !== undefined) i.value = was.inputs[i.dataset.inputId];
      });
    });
    if (focus) {
      const article = log.querySelector('article[data-activity="' + CSS.escape(focus.activity) + '"]');
      const input = article && article.querySelector('[data-input-id="' + CSS.escape(focus.input) + '"]');
      if (input) input.focus();
    }
  }

  async function refresh() {
    const data = await call("/demo/api/teams/conversation?user=" + encodeURIComponent(state.user));
    if (data.user !== state.user) return; // the person changed while this was in flight
    $("#teams-person-name").textContent = data.name;
    document.querySelectorAll(".tm-seg button").forEach((b) => b.classList.toggle("active", b.dataset.platform === data.platform));
    $("#teams-composer").hidden = !data.installed;
    if (data.version === state.version) return;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const first = state.version === null;
    const kept = remember();
    log.innerHTML = data.html;
    restore(kept);
    state.version = data.version;
    if (first || atBottom || Date.now() < state.followUntil) log.scrollTop = log.scrollHeight;
  }

  function setOpen(card, open) {
    if (!card) return;
    card.hidden = !open;
    const set = card.parentElement;
    const button = set.querySelector(':scope > .ac-actions > [data-kind="showcard"][data-index="' + card.dataset.index + '"]');
    if (button) button.setAttribute("aria-expanded", String(open));
  }

  // An Action.ShowCard opens its card below the actions, closing the set's other one.
  function toggleShowCard(button) {
    const set = button.closest(".ac-actionset");
    set.querySelectorAll(":scope > .ac-showcard").forEach((card) => {
      setOpen(card, card.dataset.index === button.dataset.index && card.hidden);
    });
    const opened = set.querySelector(":scope > .ac-showcard:not([hidden]) [data-input-id]");
    if (opened) opened.focus();
  }

  // The inputs an action gathers: those of its own card and the cards around it, not those of
  // other forms inside them.
  function inputsFor(button) {
    const cards = [];
    for (let card = button.closest(".ac-card"); card; card = card.parentElement.closest(".ac-card")) cards.push(card);
    const inputs = {};
    let missing = null;
    cards.forEach((card) => card.querySelectorAll("[data-input-id]").forEach((field) => {
      if (field.closest(".ac-card") !== card) return;
      const error = field.parentElement.querySelector(".ac-error");
      if (field.required && !field.value.trim()) {
        if (error) { error.textContent = field.dataset.error || "Required"; error.hidden = false; }
        missing = missing || field;
      } else if (error) {
        error.hidden = true;
      }
      inputs[field.dataset.inputId] = field.dataset.choices !== undefined
        ? [...field.querySelectorAll("input[type=checkbox]:checked")].map((c) => c.value).join(",")
        : field.value;
    }));
    return { inputs, missing };
  }

  async function onAction(button) {
    const article = button.closest("article[data-activity]");
    const { inputs, missing } = inputsFor(button);
    if (missing) { missing.focus(); return; }
    button.disabled = true;
    try {
      const data = await call("/demo/api/teams/action", {
        user: state.user,
        activity_id: article.dataset.activity,
        kind: button.dataset.kind,
        verb: button.dataset.verb || "",
        data: JSON.parse(button.dataset.data || "{}"),
        inputs,
      });
      if (data.message) toast(data.message);
      else if (data.invoke_status && data.invoke_status !== 200) toast("The bot answered " + data.invoke_status);
      state.followUntil = Date.now() + 8000;
      await refresh();
    } catch (e) {
      toast("Click not delivered: " + e.message);
    } finally {
      button.disabled = false;
    }
  }

  log.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-kind]");
    if (button && button.dataset.kind === "showcard") toggleShowCard(button);
    else if (button) onAction(button);
  });

  // "View in Coupa" points at the sandbox, which has no web pages: show the requisition in the
  // Coupa panel instead.
  log.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    const base = document.body.dataset.coupaUrl + "/requisition_headers/";
    if (!link || !link.href.startsWith(base)) return;
    event.preventDefault();
    const id = link.href.slice(base.length).split(/[/?#]/)[0];
    const row = document.querySelector('#coupa-panel [data-requisition="' + CSS.escape(id) + '"]');
    if (!row) return;
    row.scrollIntoView({ behavior: "smooth", block: "center" });
    row.classList.remove("flash");
    void row.offsetWidth; // restart the animation
    row.classList.add("flash");
  });

  composer($("#teams-composer"), $("#teams-message"), document.querySelectorAll("#teams-composer .tm-chip"),
    "/demo/api/teams/say", state, refresh);

  document.querySelectorAll(".tm-seg button").forEach((b) => b.addEventListener("click", async () => {
    try {
      await call("/demo/api/teams/platform", { user: state.user, platform: b.dataset.platform });
      toast("New cards for " + $("#teams-person-name").textContent + " now go to " + b.textContent + ".");
      await refresh();
    } catch (e) {
      toast("Not moved: " + e.message);
    }
  }));

  $("#teams-person").addEventListener("change", (event) => {
    state.user = event.target.value;
    state.version = null;
    const params = new URLSearchParams(location.search);
    params.set("teams_user", state.user);
    history.replaceState(null, "", "?" + params.toString());
    refresh().catch((e) => toast(e.message));
  });

  poll(refresh, 1000);
})();
