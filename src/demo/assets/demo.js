// The demo page's behaviour: poll the conversation and the Coupa panel, and turn clicks, the
// deny form and typed messages into calls to the demo server, which signs them as Slack would
// and sends them to the app. The HTML comes from the server, already escaped; this script only
// places it.
(function () {
  "use strict";
  const $ = (selector, root) => (root || document).querySelector(selector);
  const state = {
    user: $("#person").value,
    tab: "messages",
    version: null,
    homeHtml: null,
    coupaVersion: null,
    modal: null,
    followUntil: 0,
  };

  async function call(path, body) {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.statusText);
    if (data.status !== undefined && data.status !== 200) {
      throw new Error("the app answered " + data.status);
    }
    return data;
  }

  let toastTimer = null;
  function toast(text) {
    const el = $("#toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
  }

  function showOverlay(which) {
    $("#overlay").hidden = which === null;
    $("#confirm").hidden = which !== "confirm";
    $("#modal-root").hidden = which !== "modal";
  }

  async function refreshConversation() {
    const data = await call("/demo/api/conversation?user=" + encodeURIComponent(state.user));
    if (data.user !== state.user) return; // the person changed while this was in flight
    $("#person-name").textContent = data.name;
    $("#person-email").textContent = data.email;
    $("#person-platform").hidden = data.platform !== "teams";
    if (data.home_html !== state.homeHtml) {
      state.homeHtml = data.home_html;
      $("#home").innerHTML = data.home_html || '<div class="empty">Opening App Home…</div>';
    }
    if (data.version !== state.version) {
      const log = $("#conversation");
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      const first = state.version === null;
      log.innerHTML = data.html;
      state.version = data.version;
      // Like a chat client: stay at the newest message, and jump there after sending one.
      if (first || atBottom || Date.now() < state.followUntil) log.scrollTop = log.scrollHeight;
    }
    // Redraw the modal only when another one opens, so typing in it is never lost.
    if (data.modal_trigger !== state.modal) {
      state.modal = data.modal_trigger;
      $("#modal-root").innerHTML = data.modal_html || "";
      if (state.modal) {
        showOverlay("modal");
        const field = $("#modal-root textarea, #modal-root input");
        if (field) field.focus();
      } else if (!$("#modal-root").hidden) {
        showOverlay(null);
      }
    }
  }

  async function refreshCoupa() {
    const panel = $("#coupa-panel");
    if (panel.contains(document.activeElement) && document.activeElement.tagName === "INPUT") return;
    const data = await call("/demo/api/coupa");
    if (data.version !== state.coupaVersion) {
      panel.innerHTML = data.html;
      state.coupaVersion = data.version;
    }
  }

  function poll(fn, ms) {
    const tick = () => fn().catch((e) => console.warn(e)).finally(() => setTimeout(tick, ms));
    tick();
  }

  function confirmFirst(button) {
    return new Promise((resolve) => {
      $("#confirm-title").innerHTML = button.dataset.confirmTitle;
      $("#confirm-text").innerHTML = button.dataset.confirmText;
      $("#confirm-ok").innerHTML = button.dataset.confirmOk;
      $("#confirm-cancel").innerHTML = button.dataset.confirmCancel;
      showOverlay("confirm");
      const done = (ok) => {
        $("#confirm-ok").onclick = null;
        $("#confirm-cancel").onclick = null;
        showOverlay(null);
        resolve(ok);
      };
      $("#confirm-ok").onclick = () => done(true);
      $("#confirm-cancel").onclick = () => done(false);
      $("#confirm-ok").focus();
    });
  }

  async function onButton(event) {
    const button = event.target.closest("button[data-action-id]");
    if (!button) return;
    if (button.dataset.confirmTitle && !(await confirmFirst(button))) return;
    const message = button.closest("[data-ts]");
    button.disabled = true;
    try {
      await call("/demo/api/click", {
        user: state.user,
        message_ts: message ? message.dataset.ts : "",
        in_home: !message,
        action_id: button.dataset.actionId,
        block_id: button.dataset.blockId,
        value: button.dataset.value,
        text: button.dataset.text,
        // What is ticked in the same message travels with the click, as Slack's `state`.
        ticked: [...(message || document).querySelectorAll("input[data-checkbox-block]:checked")].map((c) => ({
          block_id: c.dataset.checkboxBlock,
          action_id: c.dataset.checkboxAction,
          value: c.value,
          text: c.dataset.text,
        })),
      });
      await refreshConversation();
    } catch (e) {
      toast("Click not delivered: " + e.message);
    } finally {
      button.disabled = false;
    }
  }
  $("#conversation").addEventListener("click", onButton);
  $("#home").addEventListener("click", onButton);

  // "View in Coupa" points at the sandbox, which has no web pages: show the requisition in the
  // Coupa panel instead.
  function viewInCoupa(event) {
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
  }
  $("#conversation").addEventListener("click", viewInCoupa);
  $("#home").addEventListener("click", viewInCoupa);

  async function showTab(tab) {
    state.tab = tab;
    document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.dataset.tab === tab));
    $("#conversation").hidden = tab !== "messages";
    $("#composer").hidden = tab !== "messages";
    $("#home").hidden = tab !== "home";
    if (tab === "home") {
      // Opening the tab is what makes Slack send app_home_opened; the bot then publishes it.
      try {
        await call("/demo/api/home", { user: state.user });
      } catch (e) {
        toast("App Home not opened: " + e.message);
      }
    }
  }
  document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));

  $("#modal-root").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const values = {};
    form.querySelectorAll("textarea, input").forEach((f) => { values[f.name] = f.value; });
    form.querySelectorAll(".bk-error").forEach((e) => { e.textContent = ""; });
    try {
      const data = await call("/demo/api/deny", { user: state.user, trigger_id: form.dataset.triggerId, values });
      if (data.errors) {
        Object.entries(data.errors).forEach(([block, text]) => {
          const slot = form.querySelector('.bk-input[data-block-id="' + CSS.escape(block) + '"] .bk-error');
          if (slot) slot.textContent = text;
        });
        return;
      }
      state.modal = null;
      form.remove();
      showOverlay(null);
      await refreshConversation();
    } catch (e) {
      toast("Not submitted: " + e.message);
    }
  });

  // Closing the form without submitting it, by its Cancel button or Escape: Slack tells the
  // app (view_closed), and the form goes.
  async function closeModal(form) {
    try {
      await call("/demo/api/close", { user: state.user, trigger_id: form.dataset.triggerId });
    } catch (e) {
      console.warn(e);
    }
    state.modal = null;
    form.remove();
    showOverlay(null);
  }

  $("#modal-root").addEventListener("click", (event) => {
    if (!event.target.closest(".modal-close")) return;
    closeModal(event.target.closest("form"));
  });

  // Escape closes what is open, as in Slack: the deny form, or the confirm step (as Cancel).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || $("#overlay").hidden) return;
    event.preventDefault();
    if (!$("#confirm").hidden) {
      $("#confirm-cancel").click();
      return;
    }
    const form = $("#modal-root form");
    if (form) closeModal(form);
  });

  // A pane's message box and its quick-reply chips: each sends its text to `path` as the pane's
  // person, follows the conversation for a while, and redraws it with `refresh`.
  function composer(form, input, chips, path, pane, refresh) {
    async function say(text) {
      if (!text.trim()) return;
      pane.followUntil = Date.now() + 8000;
      try {
        await call(path, { user: pane.user, text });
        await refresh();
      } catch (e) {
        toast("Message not sent: " + e.message);
      }
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value;
      input.value = "";
      say(text);
    });
    chips.forEach((chip) => chip.addEventListener("click", (event) => say(event.target.dataset.say)));
  }

  composer($("#composer"), $("#message"), document.querySelectorAll("#composer .chip"), "/demo/api/say", state, refreshConversation);

  $("#person").addEventListener("change", (event) => {
    state.user = event.target.value;
    state.version = null;
    state.modal = null;
    $("#modal-root").innerHTML = "";
    showOverlay(null);
    state.homeHtml = null;
    const params = new URLSearchParams(location.search);
    params.set("user", state.user);
    history.replaceState(null, "", "?" + params.toString());
    showTab(state.tab);
    refreshConversation().catch((e) => toast(e.message));
  });

  $("#coupa-bulk").addEventListener("click", async () => {
    try {
      await call("/demo/api/coupa/bulk", {});
      toast("Eight requisitions submitted for Daniel; the next sync sends him a digest.");
      await refreshCoupa();
    } catch (e) {
      toast(e.message);
    }
  });

  $("#coupa-panel").addEventListener("click", async (event) => {
    const release = event.target.closest(".coupa-release");
    if (release) {
      try {
        await call("/demo/api/coupa/release", { requisition: Number(release.closest("[data-requisition]").dataset.requisition) });
        toast("Hold released in Coupa; the cards get their buttons back at the next sync.");
        await refreshCoupa();
      } catch (e) {
        toast(e.message);
      }
      return;
    }
    const button = event.target.closest(".coupa-approve");
    if (!button) return;
    const row = button.closest("[data-requisition]");
    try {
      await call("/demo/api/coupa/approve", { requisition: Number(row.dataset.requisition) });
      toast("Approved in Coupa; the card follows at the next sync.");
      await refreshCoupa();
    } catch (e) {
      toast(e.message);
    }
  });

  $("#coupa-panel").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const row = form.closest("[data-requisition]");
    try {
      await call("/demo/api/coupa/total", {
        requisition: Number(row.dataset.requisition),
        total: form.elements.total.value,
      });
      form.elements.total.blur();
      toast("Total changed in Coupa; the card is marked changed at the next sync.");
      await refreshCoupa();
    } catch (e) {
      toast(e.message);
    }
  });

  // Skip ahead a day: the app's clock moves to the next working morning and reminders go out.
  $("#skip-day").addEventListener("click", async () => {
    try {
      const data = await call("/demo/api/skip-day", {});
      toast("It is now " + data.now + ". Whoever has approvals waiting a day or more gets a reminder.");
      await refreshConversation();
    } catch (e) {
      toast(e.message);
    }
  });

  poll(refreshConversation, 1000);
  poll(refreshCoupa, 2000);

  // What the Teams pane's script (loaded after this one) shares with the Slack pane's.
  window.demoPage = { call, toast, poll, composer };
})();
