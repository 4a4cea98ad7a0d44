/* The agent desk's behaviour: live updates over the desk WebSocket, the composer, shortcuts.
   No inline scripts (the desk runs under a strict Content-Security-Policy); all text from
   customers and models is inserted with textContent, never as HTML. */
(function () {
  "use strict";
  const body = document.body;
  const csrf = body.dataset.csrf;
  const page = body.dataset.page;
  const conversationId = body.dataset.conversation || null;
  // Translated strings come from the page (Django's translations), with "%s" for a name.
  const strings = JSON.parse(document.getElementById("desk-strings").textContent);
  const text = (key, value) => (strings[key] || key).replace("%s", value || "");
  // Times written live follow the page's language (the agent's), as the server-rendered ones do.
  const pageLanguage = document.documentElement.lang || undefined;

  // -- htmx: CSRF header, forms that reset after success ------------------------------------
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRFToken"] = csrf;
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt.closest && event.detail.elt.closest("form[data-reset-on-success]");
    if (form && event.detail.successful && event.detail.elt === form) form.reset();
    if (!event.detail.successful && event.detail.xhr && event.detail.xhr.status >= 400) {
      flash(event.detail.xhr.responseText || text("failed"));
    }
  });
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  function flash(text) {
    const banner = document.querySelector("[data-connection]");
    if (!banner) return;
    banner.textContent = text.slice(0, 200);
    banner.hidden = false;
    setTimeout(() => { banner.hidden = true; }, 4000);
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(data || {}),
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(await response.text());
    return response.text();
  }

  // -- the desk socket ------------------------------------------------------------------------
  let socket = null;
  let retry = 1000;
  const handlers = [];
  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + body.dataset.ws;
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      retry = 1000;
      document.querySelector("[data-connection]").hidden = true;
      body.dataset.socket = "open";
      if (conversationId) send({ type: "watch", conversation_id: conversationId });
      // After a reconnect, alerts sent meanwhile are not replayed: the count is asked again.
      send({ type: "waiting" });
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_) { return; }
      handlers.forEach((handle) => handle(frame));
    });
    socket.addEventListener("close", (event) => {
      body.dataset.socket = "closed";
      if (event.code === 4403) return;
      const banner = document.querySelector("[data-connection]");
      banner.textContent = text("reconnecting");
      banner.hidden = false;
      setTimeout(connect, retry + Math.random() * 500);
      retry = Math.min(retry * 2, 30000);
    });
  }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }
  // The server counts this agent as online only while a desk tab shows signs of life
  // (tickets/online.py forgets a tab after 60 s of silence).
  setInterval(() => send({ type: "ping" }), 20000);

  // -- alerts: the count in the tab title, a browser notification and a sound -----------------
  // The server sends an "alert" frame to every desk tab of the agent (tickets/alerts/emit.py)
  // for the kinds they kept on. The notification and the sound are for a tab the agent is not
  // looking at; the title's count is always kept (when they chose to see it).
  const alertData = JSON.parse(document.getElementById("desk-alerts").textContent || "null") || {};
  const alertStrings = alertData.strings || {};
  const plainTitle = document.title;
  function showWaiting(count) {
    body.dataset.waiting = String(count);
    document.title = alertData.titleCount && count > 0 ? "(" + count + ") " + plainTitle : plainTitle;
  }
  if (typeof alertData.waiting === "number") showWaiting(alertData.waiting);
  let recount = null;
  function askWaiting() {
    if (!recount) recount = setTimeout(() => { recount = null; send({ type: "waiting" }); }, 500);
  }
  const notifyEnable = document.querySelector("[data-notify-enable]");
  const notifyBlocked = document.querySelector("[data-notify-blocked]");
  function showPermission() {
    // Asked only when the agent clicks: browsers ignore (and some punish) prompts on load.
    const state = "Notification" in window ? Notification.permission : "unsupported";
    if (notifyEnable) notifyEnable.hidden = state !== "default";
    if (notifyBlocked) notifyBlocked.hidden = state !== "denied";
  }
  showPermission();
  if (notifyEnable) {
    notifyEnable.addEventListener("click", async () => {
      try { await Notification.requestPermission(); } catch (_) { /* an old browser: no promise */ }
      showPermission();
    });
  }
  const lookingAtDesk = () => document.visibilityState === "visible" && document.hasFocus();
  function announce(alert) {
    if (lookingAtDesk()) return;
    if (alertData.sound) new Audio(alertData.sound).play().catch(() => {});
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const notice = new Notification(alertStrings[alert.kind] || alert.kind, {
      body: alert.subject,
      tag: alert.kind + ":" + (alert.conversation_id || alert.ticket_id),
      lang: document.documentElement.lang,
    });
    notice.onclick = () => { window.focus(); location.href = alert.url; notice.close(); };
  }
  handlers.push((frame) => {
    if (frame.type === "waiting") showWaiting(frame.count);
    else if (frame.type === "alert") { announce(frame); askWaiting(); }
    // An answer, a reassignment or a status change can lower the count (or raise it).
    else if (frame.type === "ticket" || (frame.type === "message" && frame.message.author.kind !== "assistant")) askWaiting();
  });

  // -- the agent's place in a list: the selected row and the checked rows, by key --------------
  // Kept here rather than read from the page, so that a list that refreshes itself (even twice
  // in a row) puts them back as they were.
  let selectedKey = null;
  const checkedValues = new Set();

  // -- bulk actions: the bar appears once a row is checked ---------------------------------------
  const bulkBar = document.querySelector("[data-bulk]");
  function updateBulk() {
    if (!bulkBar) return;
    bulkBar.hidden = checkedValues.size === 0;
    bulkBar.querySelector("[data-bulk-count]").textContent = text("selected", String(checkedValues.size));
  }
  function setChecked(box, checked) {
    box.checked = checked;
    if (checked) checkedValues.add(box.value); else checkedValues.delete(box.value);
    updateBulk();
  }
  document.querySelectorAll("[data-pick]:checked").forEach((box) => checkedValues.add(box.value));
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("[data-pick]")) setChecked(event.target, event.target.checked);
  });
  if (bulkBar) {
    updateBulk();
    bulkBar.querySelector("[data-bulk-clear]").addEventListener("click", () => {
      document.querySelectorAll("[data-pick]:checked").forEach((box) => setChecked(box, false));
      checkedValues.clear();
      updateBulk();
    });
    bulkBar.addEventListener("submit", (event) => {
      const resolving = event.submitter && event.submitter.value === "resolve";
      if (resolving && !window.confirm(bulkBar.dataset.confirmResolve)) event.preventDefault();
    });
  }

  // -- lists: the queue page's rows, and the queue pane beside an open conversation -------------
  // Both refresh themselves when the desk socket says something changed, and keep the agent's
  // place: the selected row (and its focus), the checked rows and the scroll position.
  const list = document.querySelector("[data-rows]");
  const currentRow = body.dataset.currentRow || "";
  const rowsOf = () => Array.from(document.querySelectorAll("[data-row]"));
  const rowByKey = (key) => rowsOf().find((row) => row.dataset.key === key) || null;
  function markCurrent() {
    const row = currentRow && rowByKey(currentRow);
    if (row) row.setAttribute("aria-current", "page");
  }
  if (list) {
    markCurrent();
    let pending = null;
    let scroll = 0;
    let rowHadFocus = false;
    const refresh = () => {
      pending = null;
      // The queue page keeps its filters (the query string); the pane lists the whole queue.
      const url = list.dataset.refreshUrl + (page === "queue" ? location.search : "");
      htmx.ajax("GET", url, { target: list, swap: "innerHTML" });
    };
    // Listened for on the document: htmx names the swapped list in the event's detail.
    document.addEventListener("htmx:beforeSwap", (event) => {
      if (event.detail.target !== list) return;
      scroll = list.scrollTop;
      rowHadFocus = Boolean(document.activeElement && document.activeElement.closest("[data-row]"));
    });
    document.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target !== list) return;
      markCurrent();
      list.querySelectorAll("[data-pick]").forEach((box) => { box.checked = checkedValues.has(box.value); });
      const row = selectedKey && rowByKey(selectedKey);
      if (row) {
        row.classList.add("selected");
        if (rowHadFocus) row.focus({ preventScroll: true });
      }
      list.scrollTop = scroll;
      updateBulk();
    });
    handlers.push((frame) => {
      // "mail_draft": an e-mail draft was written, sent or discarded (the drafts queue).
      if (["message", "state", "ticket", "stream_end", "mail_draft"].includes(frame.type) && !pending) {
        pending = setTimeout(refresh, 400);
      }
    });
  }

  // -- a conversation: live transcript, presence, typing, composer ----------------------------
  if (page === "conversation") {
    const transcript = document.querySelector("[data-transcript]");
    const typingLine = document.querySelector("[data-typing]");
    const presenceLine = document.querySelector("[data-presence]");
    const contactName = body.dataset.contactName;
    const streams = new Map();
    let typingTimer = null;

    const scrollDown = () => { transcript.scrollTop = transcript.scrollHeight; };
    scrollDown();

    function renderText(target, text) {
      target.textContent = "";
      text.split("\n").forEach((line, index) => {
        if (index) target.appendChild(document.createElement("br"));
        target.appendChild(document.createTextNode(line));
      });
    }

    function messageElement(message) {
      const item = document.createElement("li");
      item.className = "msg msg-" + message.author.kind;
      item.dataset.seq = message.seq;
      item.dataset.author = message.author.kind;
      item.dataset.testid = "transcript-message";
      item.setAttribute("data-testid", "transcript-message");
      const head = document.createElement("div");
      head.className = "msg-head";
      const author = document.createElement("span");
      author.className = "msg-author";
      author.textContent = message.author.kind === "customer" ? contactName : (message.author.name || message.author.kind);
      const time = document.createElement("time");
      const created = new Date(message.created_at);
      time.dateTime = message.created_at;
      time.textContent = created.toLocaleTimeString(pageLanguage, { hour: "numeric", minute: "2-digit" });
      head.append(author, time);
      item.append(head);
      if (message.text || !(message.attachments || []).length) {
        const text = document.createElement("div");
        text.className = "msg-text";
        renderText(text, message.text);
        item.append(text);
      }
      if ((message.attachments || []).length) item.appendChild(attachmentList(message.attachments));
      const citations = (message.citations || []).filter((c) => /^https?:\/\//i.test(c.url || ""));
      if (citations.length) {
        const list = document.createElement("ul");
        list.className = "cites";
        citations.forEach((citation) => {
          const link = document.createElement("a");
          link.href = citation.url;
          link.rel = "noopener noreferrer";
          link.target = "_blank";
          link.textContent = citation.title || citation.url;
          const entry = document.createElement("li");
          entry.appendChild(link);
          list.appendChild(entry);
        });
        item.appendChild(list);
      }
      return item;
    }

    // A message's files, as templates/desk/_attachments.html renders them: the signed link
    // (/desk/attachments/<token>) opens them; names reach the page only as text.
    function attachmentList(files) {
      const list = document.createElement("ul");
      list.className = "attachments";
      list.setAttribute("data-testid", "attachments");
      files.forEach((file) => {
        const url = "/desk/attachments/" + encodeURIComponent(file.token);
        const link = document.createElement("a");
        link.href = url;
        link.rel = "noopener noreferrer";
        if (file.content_type.startsWith("image/")) {
          link.className = "att-thumb";
          link.target = "_blank";
          link.title = file.name;
          const image = document.createElement("img");
          image.src = url;
          image.alt = file.name;
          if (file.width) { image.width = file.width; image.height = file.height; }
          link.appendChild(image);
        } else {
          link.className = "att-chip";
          link.download = file.name;
          const icon = documentIcon();
          const name = document.createElement("span");
          name.className = "att-name";
          name.textContent = file.name;
          const size = document.createElement("span");
          size.className = "muted";
          size.textContent = fileSize(file.size);
          link.append(icon, " ", name, " ", size);
        }
        const entry = document.createElement("li");
        entry.appendChild(link);
        list.appendChild(entry);
      });
      return list;
    }

    // The same document icon as templates/desk/_attachments.html (a CSS mask, desk.css).
    function documentIcon() {
      const icon = document.createElement("span");
      icon.className = "icon icon-doc";
      icon.setAttribute("aria-hidden", "true");
      return icon;
    }

    function fileSize(bytes) {
      const units = ["byte", "kilobyte", "megabyte"];
      let value = bytes, unit = 0;
      while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
      return new Intl.NumberFormat(pageLanguage, {
        style: "unit", unit: units[unit], unitDisplay: unit ? "short" : "long", maximumFractionDigits: unit ? 1 : 0,
      }).format(value);
    }

    function addMessage(message) {
      if (transcript.querySelector('[data-seq="' + message.seq + '"]')) return;
      const item = messageElement(message);
      const later = Array.from(transcript.children).find((el) => Number(el.dataset.seq) > message.seq);
      transcript.insertBefore(item, later || null);
      scrollDown();
    }

    handlers.push((frame) => {
      if (frame.conversation_id && frame.conversation_id !== conversationId) return;
      switch (frame.type) {
        case "message":
          addMessage(frame.message);
          if (frame.message.author.kind === "customer") typingLine.hidden = true;
          break;
        case "stream_start": {
          const item = messageElement({ seq: 1e9, author: frame.author, text: "", created_at: new Date().toISOString() });
          item.classList.add("streaming");
          item.removeAttribute("data-seq");
          transcript.appendChild(item);
          streams.set(frame.stream_id, { item, text: "" });
          scrollDown();
          break;
        }
        case "stream_delta": {
          const stream = streams.get(frame.stream_id);
          if (!stream) break;
          stream.text += frame.text;
          renderText(stream.item.querySelector(".msg-text"), stream.text);
          scrollDown();
          break;
        }
        case "stream_end": {
          const stream = streams.get(frame.stream_id);
          if (stream) { stream.item.remove(); streams.delete(frame.stream_id); }
          if (frame.message) addMessage(frame.message);
          break;
        }
        case "typing":
          if (frame.author.kind === "customer") {
            typingLine.textContent = frame.active ? text("customerTyping", contactName) : "";
            typingLine.hidden = !frame.active;
          }
          break;
        case "state": {
          // Every conversation of the inbox reports its state (the queue pane lists them); only
          // this one's changes this page.
          if (frame.conversation && frame.conversation.id && String(frame.conversation.id) !== conversationId) break;
          const label = document.querySelector("[data-state-label]");
          label.className = "pill state-" + frame.conversation.state;
          label.dataset.state = frame.conversation.state;
          const composerEmpty = !document.querySelector("[data-reply]") || !document.querySelector("[data-reply]").value;
          // Actions depend on the state; reload to show the right ones unless a draft would be lost.
          if (composerEmpty) location.reload();
          break;
        }
        case "presence": {
          const others = frame.agents.filter((agent) => String(agent.id) !== body.dataset.userId);
          if (!others.length) { presenceLine.hidden = true; break; }
          const typing = others.filter((agent) => agent.typing).map((agent) => agent.name);
          presenceLine.textContent = typing.length
            ? text("typing", typing.join(", "))
            : text("viewing", others.map((agent) => agent.name).join(", "));
          presenceLine.hidden = false;
          break;
        }
        case "mail_draft": {
          // The assistant drafted an answer to an e-mail: show it without reloading the page
          // (an agent's half-written reply stays as it is).
          const drafts = document.querySelector("[data-mail-drafts]");
          if (drafts) {
            fetch(drafts.dataset.mailDrafts, { credentials: "same-origin" })
              .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
              .then((html) => { drafts.innerHTML = html; })
              .catch(() => {});
          }
          break;
        }
        case "note": {
          const notes = document.querySelector("[data-notes]");
          if (notes && !notes.querySelector('[data-note-id="' + frame.note.id + '"]')) {
            const item = document.createElement("li");
            item.className = "note";
            item.dataset.noteId = frame.note.id;
            const head = document.createElement("div");
            head.className = "note-head";
            head.textContent = frame.note.author;
            const text = document.createElement("div");
            renderText(text, frame.note.text);
            item.append(head, text);
            notes.appendChild(item);
          }
          break;
        }
      }
    });

    // The composer: tabs, typing signal, canned replies, suggestions, Ctrl+Enter.
    const reply = document.querySelector("[data-reply]");
    document.querySelectorAll("[data-tab]").forEach((tab) => {
      tab.addEventListener("click", () => {
        document.querySelectorAll("[data-tab]").forEach((other) => other.setAttribute("aria-selected", String(other === tab)));
        document.querySelectorAll("[data-tab-panel]").forEach((panel) => { panel.hidden = panel.dataset.tabPanel !== tab.dataset.tab; });
        const area = document.querySelector('[data-tab-panel="' + tab.dataset.tab + '"] textarea');
        if (area) area.focus();
      });
    });
    // The files chosen for the reply, named beside the paperclip until the reply is sent.
    const replyFiles = document.querySelector("[data-reply-files]");
    const replyChosen = document.querySelector("[data-reply-chosen]");
    if (replyFiles && replyChosen) {
      const showChosen = () => {
        replyChosen.textContent = Array.from(replyFiles.files || []).map((file) => file.name).join(", ");
      };
      replyFiles.addEventListener("change", showChosen);
      replyFiles.form.addEventListener("reset", () => setTimeout(showChosen));
    }
    if (reply) {
      reply.addEventListener("input", () => {
        if (!typingTimer) send({ type: "typing", conversation_id: conversationId, active: true });
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => {
          send({ type: "typing", conversation_id: conversationId, active: false });
          typingTimer = null;
        }, 3000);
      });
      reply.form.addEventListener("submit", () => {
        clearTimeout(typingTimer);
        typingTimer = null;
        send({ type: "typing", conversation_id: conversationId, active: false });
      });
    }
    document.querySelectorAll(".compose textarea").forEach((area) => {
      area.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          htmx.trigger(area.form, "submit");
        }
      });
    });
    const canned = document.querySelector("[data-canned]");
    if (canned) {
      canned.addEventListener("change", async () => {
        if (!canned.value) return;
        try { reply.value = await post(canned.value); reply.focus(); } catch (error) { flash(error.message); }
        canned.value = "";
      });
    }
    const suggest = document.querySelector("[data-suggest]");
    if (suggest) {
      suggest.addEventListener("click", async () => {
        suggest.disabled = true;
        try {
          const draft = await post(suggest.dataset.suggest);
          // An empty draft: no help article answers, nothing to paste.
          if (draft) { reply.value = draft; reply.focus(); } else flash(suggest.dataset.suggestNone);
        } catch (error) { flash(error.message); }
        suggest.disabled = false;
      });
    }
    setInterval(() => send({ type: "heartbeat", conversation_id: conversationId }), 20000);
  }

  // -- keyboard shortcuts ------------------------------------------------------------------------
  const help = document.getElementById("shortcuts");
  document.querySelector("[data-close-help]").addEventListener("click", () => { help.hidden = true; });
  let lastKey = "";
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Escape") { help.hidden = true; if (target.blur) target.blur(); return; }
    if (target.closest && target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const rows = rowsOf();
    // j/k start from the selected row, else (beside a conversation) from the one that is open.
    let selected = rows.findIndex((row) => row.classList.contains("selected"));
    if (selected < 0) selected = rows.findIndex((row) => row.getAttribute("aria-current") === "page");
    const select = (index) => {
      rows.forEach((row) => row.classList.remove("selected"));
      if (!rows[index]) return;
      selectedKey = rows[index].dataset.key;
      rows[index].classList.add("selected");
      rows[index].focus();
      rows[index].scrollIntoView({ block: "nearest" });
    };
    const key = event.key;
    if (lastKey === "g" && key === "w") { location.href = "/desk/q/waiting/"; return; }
    if (lastKey === "g" && key === "m") { location.href = "/desk/q/mine/"; return; }
    lastKey = key;
    if (key === "?") { help.hidden = false; }
    else if (key === "/") { const search = document.querySelector("[data-search]"); if (search) { event.preventDefault(); search.focus(); } }
    else if (key === "j" && rows.length) { select(Math.min(selected + 1, rows.length - 1)); }
    else if (key === "k" && rows.length) { select(Math.max(selected - 1, 0)); }
    else if (key === "x" && rows[selected]) {
      const box = rows[selected].parentElement.querySelector("[data-pick]");
      if (box) setChecked(box, !box.checked);
    }
    else if (key === "t") { const button = document.querySelector('[data-shortcut="t"]'); if (button) button.click(); }
    else if (key === "r") { const area = document.querySelector("[data-reply]"); if (area) { event.preventDefault(); document.querySelector('[data-tab="reply"]').click(); } }
    else if (key === "n") { const area = document.querySelector("[data-note]"); if (area) { event.preventDefault(); const tab = document.querySelector('[data-tab="note"]'); if (tab) tab.click(); else area.focus(); } }
  });

  connect();
})();
