/*!
 * Assistant chat widget: the one tag a company pastes into its site,
 *   <script src="https://HOST/static/widget/loader.js" data-inbox="PUBLIC_KEY" async></script>
 * Vanilla JavaScript, no dependencies, no build step, nothing fetched at runtime but the chat
 * itself. One file on purpose: the unhashed URL a company pastes gets a short cache lifetime
 * anyway, so a separate loader would only add a second, sequential request.
 * Protocol: docs/widget-protocol.md. Guide, JS API and test hooks: docs/widget.md.
 *
 * Safety rules this file keeps: message content and names reach the DOM only as text nodes
 * (textContent / createTextNode); the only attribute built from message content is a link's
 * href, and only after it parsed as an absolute http(s) URL; no innerHTML, no eval, no inline
 * event handlers. The only images are the inbox's avatar and attachments, the latter shown
 * from blob URLs of bytes this server re-encoded (never a URL taken from a message).
 */
(function (win, doc) {
  "use strict";

  var api = win.AssistantWidget = win.AssistantWidget || {};
  if (api.__widget) return;

  var cfg = api.__config || configFromTag(ownTag());
  if (!cfg || !cfg.inbox) {
    warn("no inbox configured (data-inbox on the script tag)");
    return;
  }
  api.__config = cfg;
  api.__widget = true;
  // Until boot() runs (it may wait for <body>), calls queue up in api.q, in order, after any a page
  // queued with its own stub before this file arrived (docs/widget.md).
  if (!Array.isArray(api.q)) api.q = [];
  ["identify", "open", "close", "setLanguage", "onReady", "reset"].forEach(function (name) {
    if (typeof api[name] !== "function") api[name] = function () { api.q.push([name, [].slice.call(arguments)]); };
  });

  var MAX_LEN = 4000;
  var COUNTER_FROM = 3500;
  var MAX_COMMENT = 1000;
  var PING_EVERY = 25000;
  var SILENCE_LIMIT = 70000;
  var PONG_WAIT = 5000;
  // Initials in the header's team line, "+N" included.
  var MAX_INITIALS = 3;
  var KINDS = { customer: 1, assistant: 1, agent: 1, system: 1 };
  var P = "aw:" + cfg.inbox + ":";
  var SVG = "http://www.w3.org/2000/svg";

  /* ------------------------------------------------------------------ strings */

  var STR = {
    en: {
      launcher_open: "Open chat", launcher_close: "Close chat", title: "Chat with us",
      sub_bot: "Our assistant replies instantly", sub_waiting: "A person will reply here soon",
      sub_agent: "You're chatting with {name}", sub_resolved: "This conversation is resolved",
      log: "Conversation", input: "Your message", placeholder: "Write a message…", send: "Send",
      handoff: "Talk to a person", thinking: "The assistant is thinking…", typing: "{name} is typing…",
      you: "You", assistant: "Assistant", agent: "Support", system: "Notice",
      sending: "Sending…", failed: "Not sent", retry: "Retry",
      connecting: "Connecting…", reconnecting: "Connection lost. Reconnecting…",
      offline: "You're offline. We'll reconnect when you're back.",
      blocked: "Chat isn't available on this website.",
      unavailable: "Chat is unavailable right now. Please try again later.",
      left: "{n} characters left", over: "{n} characters over the limit",
      too_long: "That message is too long. The limit is 4,000 characters.",
      rate_limited: "You're sending messages too quickly. We'll try again in {n} seconds.",
      budget_exhausted: "A person will take it from here and reply soon.",
      conversation_resolved: "There's no finished conversation to rate.",
      invalid: "That message couldn't be sent.", error: "Something went wrong. Please try again.",
      rate_title: "How would you rate this conversation?", star: "{n} out of 5",
      comment: "Anything else you'd like to tell us? (optional)", submit: "Send rating",
      thanks: "Thank you for your feedback!", sources: "Sources", unread: "{n} unread messages",
      new_conv: "New conversation",
      email_ask: "Your email address, to get the answer by email (optional)", email_save: "Send",
      email_invalid: "That doesn't look like an email address. Please check it."
    },
    zh: {
      launcher_open: "打开聊天", launcher_close: "关闭聊天", title: "联系我们",
      sub_bot: "智能助手即时回复", sub_waiting: "客服人员很快会在这里回复您",
      sub_agent: "正在与 {name} 对话", sub_resolved: "此对话已解决",
      log: "对话", input: "您的消息", placeholder: "输入消息…", send: "发送",
      handoff: "转人工客服", thinking: "助手正在思考…", typing: "{name} 正在输入…",
      you: "您", assistant: "助手", agent: "客服", system: "通知",
      sending: "发送中…", failed: "未发送", retry: "重试",
      connecting: "正在连接…", reconnecting: "连接已断开，正在重新连接…",
      offline: "您已离线，网络恢复后将自动重新连接。",
      blocked: "此网站无法使用聊天功能。",
      unavailable: "聊天功能暂时不可用，请稍后再试。",
      left: "还可输入 {n} 个字符", over: "超出字数限制 {n} 个字符",
      too_long: "消息过长，最多 4000 个字符。",
      rate_limited: "您发送消息过于频繁，我们将在 {n} 秒后重试。",
      budget_exhausted: "接下来将由客服人员为您处理，请稍候。",
      conversation_resolved: "目前没有可评价的已结束对话。",
      invalid: "此消息无法发送。", error: "出现问题，请重试。",
      rate_title: "您对本次对话满意吗？", star: "{n} 分（满分 5 分）",
      comment: "还有其他想告诉我们的吗？（选填）", submit: "提交评价",
      thanks: "感谢您的反馈！", sources: "参考来源", unread: "{n} 条未读消息",
      new_conv: "新对话",
      email_ask: "留下您的电子邮箱，我们会把答复发送给您（可选）", email_save: "发送",
      email_invalid: "这似乎不是有效的电子邮箱地址，请检查。"
    },
    es: {
      launcher_open: "Abrir chat", launcher_close: "Cerrar chat", title: "Habla con nosotros",
      sub_bot: "Nuestro asistente responde al instante", sub_waiting: "Una persona te responderá aquí pronto",
      sub_agent: "Estás hablando con {name}", sub_resolved: "Esta conversación está resuelta",
      log: "Conversación", input: "Tu mensaje", placeholder: "Escribe un mensaje…", send: "Enviar",
      handoff: "Hablar con una persona", thinking: "El asistente está pensando…",
      typing: "{name} está escribiendo…",
      you: "Tú", assistant: "Asistente", agent: "Soporte", system: "Aviso",
      sending: "Enviando…", failed: "No enviado", retry: "Reintentar",
      connecting: "Conectando…", reconnecting: "Se perdió la conexión. Reconectando…",
      offline: "Estás sin conexión. Volveremos a conectar cuando vuelvas.",
      blocked: "El chat no está disponible en este sitio web.",
      unavailable: "El chat no está disponible ahora mismo. Inténtalo más tarde.",
      left: "Quedan {n} caracteres", over: "{n} caracteres por encima del límite",
      too_long: "El mensaje es demasiado largo. El límite es de 4000 caracteres.",
      rate_limited: "Estás enviando mensajes demasiado rápido. Lo intentaremos de nuevo en {n} segundos.",
      budget_exhausted: "Una persona se encargará a partir de aquí y te responderá pronto.",
      conversation_resolved: "No hay ninguna conversación terminada que valorar.",
      invalid: "No se pudo enviar el mensaje.", error: "Algo salió mal. Inténtalo de nuevo.",
      rate_title: "¿Cómo valorarías esta conversación?", star: "{n} de 5",
      comment: "¿Algo más que quieras contarnos? (opcional)", submit: "Enviar valoración",
      thanks: "¡Gracias por tu opinión!", sources: "Fuentes", unread: "{n} mensajes sin leer",
      new_conv: "Nueva conversación",
      email_ask: "Tu correo electrónico, para recibir la respuesta (opcional)", email_save: "Enviar",
      email_invalid: "Esa dirección de correo no parece válida. Revísala, por favor."
    },
    de: {
      launcher_open: "Chat öffnen", launcher_close: "Chat schließen", title: "Schreiben Sie uns",
      sub_bot: "Unser Assistent antwortet sofort", sub_waiting: "Gleich antwortet Ihnen hier ein Mensch",
      sub_agent: "Sie chatten mit {name}", sub_resolved: "Diese Unterhaltung ist gelöst",
      log: "Unterhaltung", input: "Ihre Nachricht", placeholder: "Nachricht schreiben…", send: "Senden",
      handoff: "Mit einem Menschen sprechen", thinking: "Der Assistent denkt nach…",
      typing: "{name} schreibt…",
      you: "Sie", assistant: "Assistent", agent: "Support", system: "Hinweis",
      sending: "Wird gesendet…", failed: "Nicht gesendet", retry: "Erneut senden",
      connecting: "Verbindung wird hergestellt…", reconnecting: "Verbindung unterbrochen. Neuer Versuch…",
      offline: "Sie sind offline. Wir verbinden uns automatisch neu.",
      blocked: "Der Chat ist auf dieser Website nicht verfügbar.",
      unavailable: "Der Chat ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut.",
      left: "Noch {n} Zeichen", over: "{n} Zeichen über dem Limit",
      too_long: "Die Nachricht ist zu lang. Erlaubt sind 4.000 Zeichen.",
      rate_limited: "Sie senden Nachrichten zu schnell. Neuer Versuch in {n} Sekunden.",
      budget_exhausted: "Ein Mensch übernimmt jetzt und antwortet Ihnen bald.",
      conversation_resolved: "Es gibt keine abgeschlossene Unterhaltung zum Bewerten.",
      invalid: "Die Nachricht konnte nicht gesendet werden.",
      error: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
      rate_title: "Wie bewerten Sie diese Unterhaltung?", star: "{n} von 5",
      comment: "Möchten Sie uns noch etwas mitteilen? (optional)", submit: "Bewertung senden",
      thanks: "Vielen Dank für Ihr Feedback!", sources: "Quellen", unread: "{n} ungelesene Nachrichten",
      new_conv: "Neue Unterhaltung",
      email_ask: "Ihre E-Mail-Adresse, um die Antwort per E-Mail zu erhalten (optional)", email_save: "Senden",
      email_invalid: "Das sieht nicht nach einer E-Mail-Adresse aus. Bitte prüfen Sie sie."
    },
    fr: {
      launcher_open: "Ouvrir le chat", launcher_close: "Fermer le chat", title: "Discutons",
      sub_bot: "Notre assistant répond instantanément", sub_waiting: "Une personne va vous répondre ici",
      sub_agent: "Vous discutez avec {name}", sub_resolved: "Cette conversation est résolue",
      log: "Conversation", input: "Votre message", placeholder: "Écrivez un message…", send: "Envoyer",
      handoff: "Parler à une personne", thinking: "L'assistant réfléchit…",
      typing: "{name} est en train d'écrire…",
      you: "Vous", assistant: "Assistant", agent: "Support", system: "Information",
      sending: "Envoi…", failed: "Non envoyé", retry: "Réessayer",
      connecting: "Connexion…", reconnecting: "Connexion perdue. Reconnexion…",
      offline: "Vous êtes hors ligne. Nous nous reconnecterons automatiquement.",
      blocked: "Le chat n'est pas disponible sur ce site.",
      unavailable: "Le chat est indisponible pour le moment. Réessayez plus tard.",
      left: "Encore {n} caractères", over: "{n} caractères au-delà de la limite",
      too_long: "Ce message est trop long. La limite est de 4 000 caractères.",
      rate_limited: "Vous envoyez des messages trop vite. Nouvel essai dans {n} secondes.",
      budget_exhausted: "Une personne prend le relais et vous répondra bientôt.",
      conversation_resolved: "Aucune conversation terminée à évaluer.",
      invalid: "Ce message n'a pas pu être envoyé.", error: "Un problème est survenu. Veuillez réessayer.",
      rate_title: "Comment évaluez-vous cette conversation ?", star: "{n} sur 5",
      comment: "Autre chose à nous dire ? (facultatif)", submit: "Envoyer la note",
      thanks: "Merci pour votre avis !", sources: "Sources", unread: "{n} messages non lus",
      new_conv: "Nouvelle conversation",
      email_ask: "Votre adresse e-mail, pour recevoir la réponse par e-mail (facultatif)", email_save: "Envoyer",
      email_invalid: "Cette adresse e-mail ne semble pas valide. Veuillez la vérifier."
    },
    ja: {
      launcher_open: "チャットを開く", launcher_close: "チャットを閉じる", title: "お問い合わせ",
      sub_bot: "アシスタントがすぐにお答えします", sub_waiting: "まもなく担当者がこちらで返信します",
      sub_agent: "{name} が対応しています", sub_resolved: "この会話は解決済みです",
      log: "会話", input: "メッセージ", placeholder: "メッセージを入力…", send: "送信",
      handoff: "担当者と話す", thinking: "アシスタントが考えています…", typing: "{name} が入力中…",
      you: "あなた", assistant: "アシスタント", agent: "サポート", system: "お知らせ",
      sending: "送信中…", failed: "未送信", retry: "再送信",
      connecting: "接続中…", reconnecting: "接続が切れました。再接続しています…",
      offline: "オフラインです。接続が戻ると自動的に再接続します。",
      blocked: "このウェブサイトではチャットを利用できません。",
      unavailable: "現在チャットを利用できません。しばらくしてからもう一度お試しください。",
      left: "残り {n} 文字", over: "{n} 文字超過しています",
      too_long: "メッセージが長すぎます。上限は 4,000 文字です。",
      rate_limited: "送信間隔が短すぎます。{n} 秒後に再送信します。",
      budget_exhausted: "ここからは担当者が対応し、まもなく返信いたします。",
      conversation_resolved: "評価できる終了済みの会話がありません。",
      invalid: "このメッセージは送信できませんでした。", error: "問題が発生しました。もう一度お試しください。",
      rate_title: "この会話の評価をお聞かせください", star: "5 段階中 {n}",
      comment: "ほかにご意見があればお聞かせください（任意）", submit: "評価を送信",
      thanks: "ご協力ありがとうございました！", sources: "参考情報", unread: "未読メッセージ {n} 件",
      new_conv: "新しい会話",
      email_ask: "回答をメールで受け取るためのメールアドレス（任意）", email_save: "送信",
      email_invalid: "メールアドレスの形式が正しくないようです。ご確認ください。"
    }
  };

  // The action confirmation card's words (docs/actions.md), kept apart from the rest.
  var ACTION_STR = {
    en: { action_confirm: "Confirm", action_cancel: "Cancel", action_label: "Confirm this change",
      action_confirmed: "Confirmed", action_cancelled: "Cancelled",
      action_unavailable: "That request can no longer be confirmed. Please ask again." },
    zh: { action_confirm: "确认", action_cancel: "取消", action_label: "确认此更改",
      action_confirmed: "已确认", action_cancelled: "已取消",
      action_unavailable: "此请求已无法确认，请重新提出。" },
    es: { action_confirm: "Confirmar", action_cancel: "Cancelar", action_label: "Confirma este cambio",
      action_confirmed: "Confirmado", action_cancelled: "Cancelado",
      action_unavailable: "Esa solicitud ya no se puede confirmar. Vuelve a pedirlo, por favor." },
    de: { action_confirm: "Bestätigen", action_cancel: "Abbrechen", action_label: "Diese Änderung bestätigen",
      action_confirmed: "Bestätigt", action_cancelled: "Abgebrochen",
      action_unavailable: "Diese Anfrage kann nicht mehr bestätigt werden. Bitte frag noch einmal." },
    fr: { action_confirm: "Confirmer", action_cancel: "Annuler", action_label: "Confirmer ce changement",
      action_confirmed: "Confirmé", action_cancelled: "Annulé",
      action_unavailable: "Cette demande ne peut plus être confirmée. Merci de la refaire." },
    ja: { action_confirm: "確定する", action_cancel: "キャンセル", action_label: "この変更を確定",
      action_confirmed: "確定しました", action_cancelled: "キャンセルしました",
      action_unavailable: "このリクエストはもう確定できません。もう一度お尋ねください。" }
  };
  Object.keys(ACTION_STR).forEach(function (l) {
    if (STR[l]) Object.keys(ACTION_STR[l]).forEach(function (k) { STR[l][k] = ACTION_STR[l][k]; });
  });

  // Attachments (docs/attachments.md): the paperclip, the tray of files being sent, refusals.
  var FILE_STR = {
    en: { att_attach: "Attach a photo or PDF", att_camera: "Take a photo", att_remove: "Remove {name}",
      att_uploading: "Uploading…", att_ready: "Ready to send", att_drop: "Drop photos or PDFs here",
      att_open: "Open {name}", att_files: "Attachments",
      att_too_large: "This file is too large (the limit is {n} MB).",
      att_type: "This kind of file can't be sent. Send a photo (JPEG, PNG, GIF, WebP) or a PDF.",
      att_bad_image: "This image is damaged or too large to open.",
      att_too_many: "You can send up to {n} files with one message.",
      att_failed: "The file couldn't be uploaded. Please try again.",
      att_rate: "Too many files at once. Please wait a moment.",
      att_gone: "A file is no longer available. Please attach it again." },
    zh: { att_attach: "添加照片或 PDF", att_camera: "拍照", att_remove: "移除 {name}",
      att_uploading: "正在上传…", att_ready: "可以发送", att_drop: "将照片或 PDF 拖放到这里",
      att_open: "打开 {name}", att_files: "附件",
      att_too_large: "文件太大（上限为 {n} MB）。",
      att_type: "无法发送此类文件。请发送照片（JPEG、PNG、GIF、WebP）或 PDF。",
      att_bad_image: "此图片已损坏或太大，无法打开。",
      att_too_many: "每条消息最多可发送 {n} 个文件。",
      att_failed: "文件上传失败，请重试。",
      att_rate: "文件太多，请稍候再试。",
      att_gone: "有文件已不可用，请重新添加。" },
    es: { att_attach: "Adjuntar una foto o un PDF", att_camera: "Hacer una foto", att_remove: "Quitar {name}",
      att_uploading: "Subiendo…", att_ready: "Listo para enviar", att_drop: "Suelta aquí fotos o PDF",
      att_open: "Abrir {name}", att_files: "Archivos adjuntos",
      att_too_large: "El archivo es demasiado grande (el límite es {n} MB).",
      att_type: "Este tipo de archivo no se puede enviar. Envía una foto (JPEG, PNG, GIF, WebP) o un PDF.",
      att_bad_image: "Esta imagen está dañada o es demasiado grande para abrirla.",
      att_too_many: "Puedes enviar hasta {n} archivos en un mensaje.",
      att_failed: "No se pudo subir el archivo. Inténtalo de nuevo.",
      att_rate: "Demasiados archivos a la vez. Espera un momento.",
      att_gone: "Un archivo ya no está disponible. Adjúntalo de nuevo." },
    de: { att_attach: "Foto oder PDF anhängen", att_camera: "Foto aufnehmen", att_remove: "{name} entfernen",
      att_uploading: "Wird hochgeladen…", att_ready: "Bereit zum Senden", att_drop: "Fotos oder PDFs hier ablegen",
      att_open: "{name} öffnen", att_files: "Anhänge",
      att_too_large: "Die Datei ist zu groß (höchstens {n} MB).",
      att_type: "Diese Art von Datei kann nicht gesendet werden. Senden Sie ein Foto (JPEG, PNG, GIF, WebP) oder ein PDF.",
      att_bad_image: "Dieses Bild ist beschädigt oder zu groß zum Öffnen.",
      att_too_many: "Sie können mit einer Nachricht bis zu {n} Dateien senden.",
      att_failed: "Die Datei konnte nicht hochgeladen werden. Bitte versuchen Sie es erneut.",
      att_rate: "Zu viele Dateien auf einmal. Bitte warten Sie einen Moment.",
      att_gone: "Eine Datei ist nicht mehr verfügbar. Bitte hängen Sie sie erneut an." },
    fr: { att_attach: "Joindre une photo ou un PDF", att_camera: "Prendre une photo", att_remove: "Retirer {name}",
      att_uploading: "Envoi du fichier…", att_ready: "Prêt à envoyer", att_drop: "Déposez ici des photos ou des PDF",
      att_open: "Ouvrir {name}", att_files: "Pièces jointes",
      att_too_large: "Le fichier est trop volumineux (la limite est de {n} Mo).",
      att_type: "Ce type de fichier ne peut pas être envoyé. Envoyez une photo (JPEG, PNG, GIF, WebP) ou un PDF.",
      att_bad_image: "Cette image est endommagée ou trop grande pour être ouverte.",
      att_too_many: "Vous pouvez envoyer jusqu'à {n} fichiers par message.",
      att_failed: "Le fichier n'a pas pu être envoyé. Merci de réessayer.",
      att_rate: "Trop de fichiers à la fois. Merci de patienter un instant.",
      att_gone: "Un fichier n'est plus disponible. Merci de le joindre à nouveau." },
    ja: { att_attach: "写真または PDF を添付", att_camera: "写真を撮る", att_remove: "{name} を削除",
      att_uploading: "アップロード中…", att_ready: "送信できます", att_drop: "ここに写真または PDF をドロップ",
      att_open: "{name} を開く", att_files: "添付ファイル",
      att_too_large: "ファイルが大きすぎます（上限は {n} MB です）。",
      att_type: "この種類のファイルは送信できません。写真（JPEG、PNG、GIF、WebP）または PDF を送ってください。",
      att_bad_image: "この画像は壊れているか、大きすぎて開けません。",
      att_too_many: "1 つのメッセージで送れるファイルは {n} 個までです。",
      att_failed: "ファイルをアップロードできませんでした。もう一度お試しください。",
      att_rate: "一度に送るファイルが多すぎます。少しお待ちください。",
      att_gone: "ファイルが利用できなくなりました。もう一度添付してください。" }
  };
  Object.keys(FILE_STR).forEach(function (l) {
    if (STR[l]) Object.keys(FILE_STR[l]).forEach(function (k) { STR[l][k] = FILE_STR[l][k]; });
  });
  // The server's refusal codes (docs/widget-protocol.md), as the widget words them.
  var FILE_ERRORS = {
    too_large: "att_too_large", type_not_allowed: "att_type", bad_image: "att_bad_image",
    empty: "att_bad_image", too_many: "att_too_many", rate_limited: "att_rate",
    unknown_attachment: "att_gone"
  };

  /* -------------------------------------------------------------------- state */

  var S = {
    ready: false, booting: true, open: false, started: false, stopped: null,
    conn: "idle", everOpen: false, welcomed: false,
    langTag: "", lang: "en",
    identity: null, visitorMem: null,
    token: null, tokenAt: 0, expiresIn: 3600, wsPath: "/ws/widget/",
    inbox: null, conv: null, agent: null,
    seqs: {}, maxSeq: 0, resumeFor: -1, seen: 0, unread: 0,
    pending: {}, streams: {}, cards: {},
    // Files in the composer's tray, the server's limits for them (the session says), and the
    // blob URLs of attachments already fetched (by attachment id).
    files: [], fileMax: { bytes: 10485760, count: 5 }, blobs: {},
    ws: null, gen: 0, attempt: 0, authFails: 0, connecting: false,
    timer: 0, pingTimer: 0, lastRx: 0, statusTimer: 0,
    typingOn: false, typingAt: 0, typingIdle: 0, typingHide: 0,
    handoffSent: false, csatEl: null, readyCbs: [], typingKind: "", noteTimer: 0, liveTimer: 0
  };
  var E = {}; // elements
  var B = []; // i18n bindings: [element, key, attribute or "", vars]

  /* ------------------------------------------------------------------ helpers */

  function warn(msg) { if (win.console) console.warn("AssistantWidget: " + msg); }

  // document.currentScript is set while a classic script runs, async ones included; the search
  // covers tag managers that copy the tag.
  function ownTag() {
    var me = doc.currentScript;
    if (me && me.getAttribute("data-inbox")) return me;
    var tags = doc.querySelectorAll("script[data-inbox][src]");
    for (var i = 0; i < tags.length; i++) if (/\/loader\.js(?:[?#]|$)/.test(tags[i].src)) return tags[i];
    return null;
  }

  // The server is wherever this file came from (tag.src is absolute), never the host page.
  function configFromTag(tag) {
    if (!tag) return null;
    return {
      origin: new URL(tag.src, win.location.href).origin,
      inbox: tag.getAttribute("data-inbox"), color: tag.getAttribute("data-color"),
      language: tag.getAttribute("data-language"), position: tag.getAttribute("data-position"),
      nonce: tag.nonce || ""
    };
  }

  function t(key, vars) {
    var s = (STR[S.lang] && STR[S.lang][key]) || STR.en[key] || key;
    if (vars) s = s.replace(/\{(\w+)\}/g, function (_, n) { return vars[n] == null ? "" : String(vars[n]); });
    return s;
  }

  function pickLang(tag) {
    var base = String(tag || "").toLowerCase().split(/[-_]/)[0];
    return STR.hasOwnProperty(base) ? base : "en";
  }

  function bind(node, key, attr, vars) {
    var b = [node, key, attr || "", vars];
    B.push(b);
    applyBinding(b);
    return node;
  }

  function applyBinding(b) {
    var s = t(b[1], b[3]);
    if (b[2]) b[0].setAttribute(b[2], s); else b[0].textContent = s;
  }

  // Elements are built with createElement only; attrs holds constant values chosen by this file.
  function h(tag, cls, attrs, kids) {
    var node = doc.createElement(tag);
    if (cls) node.className = cls;
    if (attrs) for (var k in attrs) if (attrs.hasOwnProperty(k)) node.setAttribute(k, attrs[k]);
    if (kids) for (var i = 0; i < kids.length; i++) if (kids[i]) node.appendChild(kids[i]);
    return node;
  }

  function txt(s) { return doc.createTextNode(s == null ? "" : String(s)); }

  function icon(path, size) {
    var svg = doc.createElementNS(SVG, "svg");
    var attrs = {
      viewBox: "0 0 24 24", width: size || 22, height: size || 22, fill: "none",
      stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round",
      "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false"
    };
    for (var k in attrs) svg.setAttribute(k, attrs[k]);
    var p = doc.createElementNS(SVG, "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  var I_CHAT = "M21 11.5a8.4 8.4 0 0 1-9 8.4 9 9 0 0 1-3.9-.9L3 20.5l1.5-4.6A8 8 0 0 1 3.5 11.5 8.5 8.5 0 0 1 12 3a8.5 8.5 0 0 1 9 8.5z";
  var I_CLOSE = "M6 6l12 12M18 6L6 18";
  var I_DOWN = "M6 9l6 6 6-6";
  var I_SEND = "M12 19V5M5 12l7-7 7 7";
  var I_CLIP = "M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5";
  var I_CAMERA = "M23 19a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4l2-3h6l2 3h4a2 2 0 0 1 2 2zM12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z";
  var I_DOC = "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M8 13h8M8 17h5";

  function uuid() {
    var c = win.crypto;
    if (c && typeof c.randomUUID === "function") {
      try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    }
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var x = "";
    for (var j = 0; j < 16; j++) x += (b[j] + 256).toString(16).slice(1) + (j === 3 || j === 5 || j === 7 || j === 9 ? "-" : "");
    return x;
  }

  // Characters as the server counts them (Unicode code points), not UTF-16 units.
  function charCount(s) {
    if (s.length < COUNTER_FROM) return s.length;
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
      n++;
    }
    return n;
  }

  /* ------------------------------------------------------------------ storage */
  // localStorage is the host page's, so every key is namespaced by inbox. When it is unavailable
  // (privacy modes, blocked storage) the widget still works for the life of the page.

  var mem = {};
  function sget(k) { try { return win.localStorage.getItem(k); } catch (e) { return mem.hasOwnProperty(k) ? mem[k] : null; } }
  function sset(k, v) { try { win.localStorage.setItem(k, v); } catch (e) { mem[k] = v; } }
  function sdel(k) { try { win.localStorage.removeItem(k); } catch (e) { /* ignore */ } delete mem[k]; }
  function jget(k, dflt) { try { var v = JSON.parse(sget(k)); return v == null ? dflt : v; } catch (e) { return dflt; } }
  function tabGet(k) { try { return win.sessionStorage.getItem(k); } catch (e) { return null; } }
  function tabSet(k, v) { try { if (v) win.sessionStorage.setItem(k, v); else win.sessionStorage.removeItem(k); } catch (e) { /* ignore */ } }

  // Unsent messages, the "conversation is live" flag and read marks belong to one contact: the
  // anonymous visitor of this browser, or an identified customer.
  function scope() { return P + (S.identity ? "u:" + S.identity.id : "anon") + ":"; }

  function outbox() {
    var list = jget(scope() + "outbox", []);
    var now = Date.now();
    if (!Array.isArray(list)) return [];
    return list.filter(function (x) {
      return x && typeof x.id === "string" && typeof x.text === "string" && now - (x.t || 0) < 864e5;
    });
  }
  function outboxSave(list) { if (list.length) sset(scope() + "outbox", JSON.stringify(list)); else sdel(scope() + "outbox"); }
  function outboxAdd(item) { var l = outbox().filter(function (x) { return x.id !== item.id; }); l.push(item); outboxSave(l); }
  function outboxDel(id) {
    var l = outbox(), k = l.filter(function (x) { return x.id !== id; });
    if (k.length !== l.length) outboxSave(k);
  }

  /* ----------------------------------------------------------- safe markdown */
  // A small Markdown subset rendered with DOM APIs only. Everything that is not recognised stays
  // literal text, so raw HTML shows as typed. Images render as their alt text: a remote image
  // would load on sight and can carry data out in its URL.

  var INLINE = new RegExp([
    "\\\\([!-/:-@\\[-`{-~])",                                            // 1 backslash escape
    "(`+)([^`][\\s\\S]*?)\\2(?!`)",                                       // 2,3 code span
    "(!?)\\[((?:[^\\[\\]\\n]|\\[[^\\[\\]\\n]*\\])*)\\]\\(\\s*(<[^<>\\n]*>|[^\\s()<>]*(?:\\([^\\s()<>]*\\)[^\\s()<>]*)*)(?:\\s+(?:\"[^\"\\n]*\"|'[^'\\n]*'))?\\s*\\)", // 4,5,6 image/link
    "<(https?://[^\\s<>]+)>",                                             // 7 <autolink>
    "\\b(https?://[^\\s<>\"'`\\u3000-\\u303f\\uff00-\\uffef]*[^\\s<>\"'`\\u3000-\\u303f\\uff00-\\uffef.,:;!?)\\]}*_~])", // 8 bare URL
    "\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*",                                  // 9 **bold**
    "__(?=\\S)([\\s\\S]*?\\S)__(?!\\w)",                                  // 10 __bold__
    "\\*(?![\\s*])([^*]*?[^\\s*])\\*(?!\\*)",                             // 11 *italic*
    "_(?![\\s_])([^_]*?[^\\s_])_(?!\\w)"                                  // 12 _italic_
  ].join("|"), "g");

  function safeUrl(raw) {
    var s = String(raw || "").trim();
    if (!/^https?:\/\//i.test(s)) return null; // absolute http(s) only; relative, javascript:, data:... are text
    var u;
    try { u = new URL(s); } catch (e) { return null; }
    if ((u.protocol !== "http:" && u.protocol !== "https:") || !u.hostname || u.username || u.password) return null;
    return u.href;
  }

  function link(url, parent) {
    var a = doc.createElement("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.title = url;
    parent.appendChild(a);
    return a;
  }

  function inline(text, parent, noLinks) {
    var pos = 0, m, re = new RegExp(INLINE.source, "g");
    while (pos < text.length) {
      re.lastIndex = pos;
      m = re.exec(text);
      if (!m) break;
      var at = m.index, end = re.lastIndex;
      // An underscore inside a word (snake_case) is not emphasis.
      if ((m[10] != null || m[12] != null) && at > 0 && /\w/.test(text.charAt(at - 1))) {
        parent.appendChild(txt(text.slice(pos, at + 1)));
        pos = at + 1;
        continue;
      }
      if (at > pos) parent.appendChild(txt(text.slice(pos, at)));
      pos = end;
      if (m[1] != null) parent.appendChild(txt(m[1]));
      else if (m[2] != null) {
        var code = m[3];
        if (/^ [\s\S]* $/.test(code) && /[^ ]/.test(code)) code = code.slice(1, -1);
        parent.appendChild(h("code")).textContent = code;
      } else if (m[5] != null) {
        if (m[4]) { parent.appendChild(txt(m[5])); continue; } // image: alt text only
        var target = m[6].charAt(0) === "<" ? m[6].slice(1, -1) : m[6];
        var url = noLinks ? null : safeUrl(target);
        inline(m[5], url ? link(url, parent) : parent, true);
      } else if (m[7] != null || m[8] != null) {
        var raw = m[7] != null ? m[7] : m[8];
        var ok = noLinks ? null : safeUrl(raw);
        if (ok) link(ok, parent).textContent = raw; else parent.appendChild(txt(raw));
      } else if (m[9] != null || m[10] != null) {
        inline(m[9] != null ? m[9] : m[10], parent.appendChild(h("strong")), noLinks);
      } else {
        inline(m[11] != null ? m[11] : m[12], parent.appendChild(h("em")), noLinks);
      }
    }
    if (pos < text.length) parent.appendChild(txt(text.slice(pos)));
  }

  var TABLE_DELIM = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
  // The cells of a table row: split on pipes that are not escaped, outer pipes optional.
  function cells(row) {
    var s = row.trim().replace(/^\|/, "").replace(/(^|[^\\])\|$/, "$1");
    return s.split(/(?<!\\)\|/).map(function (c) { return c.trim().replace(/\\\|/g, "|"); });
  }

  function markdown(text, into) {
    var lines = String(text == null ? "" : text).replace(/\r\n?/g, "\n").split("\n");
    var para = null, list = null, item = null, listType = "", i = 0, mm;
    function flush() { para = null; list = null; item = null; listType = ""; }
    while (i < lines.length) {
      var line = lines[i];
      if ((mm = /^\s{0,3}(`{3,}|~{3,})(.*)$/.exec(line)) && !(mm[1].charAt(0) === "`" && mm[2].indexOf("`") >= 0)) {
        flush();
        var fence = mm[1], body = [];
        i++;
        while (i < lines.length) {
          var c = /^\s{0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]);
          if (c && c[1].charAt(0) === fence.charAt(0) && c[1].length >= fence.length) break;
          body.push(lines[i++]);
        }
        i++;
        var pre = into.appendChild(h("pre"));
        pre.appendChild(h("code")).textContent = body.join("\n");
        continue;
      }
      // A GFM table: a header row, a delimiter row, then rows until a line without a pipe.
      if (/\|/.test(line) && i + 1 < lines.length && TABLE_DELIM.test(lines[i + 1]) &&
          cells(line).length === cells(lines[i + 1]).length) {
        flush();
        var head = cells(line), table = into.appendChild(h("table")), tr = table.appendChild(h("thead")).appendChild(h("tr"));
        head.forEach(function (c) { inline(c, tr.appendChild(h("th"))); });
        var tbody = table.appendChild(h("tbody"));
        i += 2;
        while (i < lines.length && /\S/.test(lines[i]) && /\|/.test(lines[i])) {
          var row = cells(lines[i++]), rtr = tbody.appendChild(h("tr"));
          for (var k = 0; k < head.length; k++) inline(row[k] || "", rtr.appendChild(h("td")));
        }
        continue;
      }
      i++;
      if (!/\S/.test(line)) { flush(); continue; }
      if ((mm = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line))) {
        flush();
        inline(mm[1], into.appendChild(h("p")).appendChild(h("strong")));
        continue;
      }
      var ul = /^\s*[-*+]\s+(.*)$/.exec(line), ol = ul ? null : /^\s*(\d{1,9})[.)]\s+(.*)$/.exec(line);
      if (ul || ol) {
        var type = ul ? "ul" : "ol";
        if (!list || listType !== type) {
          flush();
          list = into.appendChild(h(type));
          listType = type;
          if (ol && +ol[1] !== 1) list.start = +ol[1];
        }
        item = list.appendChild(h("li"));
        inline(ul ? ul[1] : ol[2], item);
        continue;
      }
      if (item && /^\s/.test(line)) { // an indented line continues the list item
        item.appendChild(h("br"));
        inline(line.trim(), item);
        continue;
      }
      if (list) flush();
      if (para) para.appendChild(h("br"));
      else para = into.appendChild(h("p"));
      inline(line, para);
    }
  }

  /* --------------------------------------------------------------------- styles */

  var CSS = [
    ":host{all:initial!important;display:block!important;position:static!important}",
    "*,*::before,*::after{box-sizing:border-box}",
    "[hidden]{display:none!important}",
    ".root{--b:#2457d6;--ob:#fff;--lk:#2457d6;--bg:#fff;--fg:#1b2130;--mu:#5d6678;--ln:#e3e7ee;--bub:#f1f3f7;",
    "--sh:0 16px 48px rgba(16,24,40,.18),0 2px 8px rgba(16,24,40,.08);",
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans','PingFang SC','Hiragino Sans','Microsoft YaHei',sans-serif,'Apple Color Emoji','Segoe UI Emoji','Noto Color Emoji';",
    "color:var(--fg);-webkit-font-smoothing:antialiased;text-align:start;letter-spacing:normal}",
    "button{font:inherit;color:inherit;cursor:pointer;border:0;background:none;margin:0;padding:0;-webkit-tap-highlight-color:transparent}",
    ":focus-visible{outline:2px solid var(--lk);outline-offset:2px}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "background:var(--b);color:var(--ob);box-shadow:var(--sh);display:grid;place-items:center;transition:transform .15s ease}",
    ".launcher:hover{transform:scale(1.06)}",
    ".launcher:focus-visible{outline:3px solid var(--lk);outline-offset:3px}",
    ".badge{position:absolute;top:-3px;right:-3px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#e5484d;",
    "color:#fff;font-size:12px;font-weight:600;line-height:16px;text-align:center;border:2px solid #fff}",
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:380px;max-width:calc(100vw - 40px);",
    "height:640px;max-height:calc(100vh - 112px);background:var(--bg);border-radius:16px;box-shadow:var(--sh);",
    "display:flex;flex-direction:column;overflow:hidden;animation:aw-in .18s ease-out}",
    ".left .launcher,.left .panel{right:auto;left:20px}",
    "@keyframes aw-in{from{opacity:0;transform:translateY(10px)}}",
    ".hd{background:var(--b);color:var(--ob);padding:14px 10px 14px 16px;display:flex;align-items:center;gap:12px;flex:none}",
    ".av{width:38px;height:38px;border-radius:50%;display:grid;place-items:center;flex:none;background:rgba(255,255,255,.2)}",
    ".dark .av{background:rgba(0,0,0,.08)}",
    ".av img{width:100%;height:100%;border-radius:50%;object-fit:cover}.av b{font-size:15px;font-weight:600}",
    ".ht{flex:1;min-width:0}",
    ".ht h2{margin:0;font-size:16px;font-weight:600;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".ht p{margin:1px 0 0;font-size:13px;opacity:.85;overflow:hidden;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;line-height:1.3}",
    ".tm{display:flex;align-items:center;gap:6px;margin-top:4px;font-size:12px;opacity:.9;min-width:0}",
    ".tm .ini{display:flex;flex:none}",
    ".tm .ini span{width:20px;height:20px;border-radius:50%;display:grid;place-items:center;font-size:10px;font-weight:600;background:rgba(255,255,255,.25);margin-left:-4px;border:1px solid var(--b)}",
    ".tm .ini span:first-child{margin-left:0}",
    ".dark .tm .ini span{background:rgba(0,0,0,.1)}",
    // The reply time wraps to a second line rather than being cut off on a phone.
    ".tm .tt{overflow:hidden;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;line-height:1.3;overflow-wrap:anywhere}",
    ".tm .ini .more{font-size:9px;letter-spacing:-.02em}",
    ".em{display:flex;flex-direction:column;gap:6px;padding:10px 14px;border-top:1px solid var(--ln);font-size:13px;flex:none}",
    ".em div{display:flex;gap:8px}",
    ".em input{flex:1;min-width:0;font:inherit;padding:7px 10px;border:1px solid var(--ln);border-radius:8px;background:var(--bg);color:inherit}",
    ".em button{font-size:13px;padding:6px 12px;border:1px solid var(--ln);border-radius:999px;background:var(--bg)}",
    ".x{width:40px;height:40px;border-radius:10px;display:grid;place-items:center;flex:none}",
    ".x:hover{background:rgba(127,127,127,.22)}",
    ".x:focus-visible{outline-color:currentColor;outline-offset:-2px}",
    ".st{padding:8px 16px;font-size:13px;background:#fff6e5;color:#6b4300;border-bottom:1px solid #f1e0bb;flex:none}",
    ".st[data-kind=error]{background:#fdeded;color:#8a1f1f;border-color:#f3cccc}",
    ".list{flex:1;min-height:0;overflow-y:auto;padding:16px 14px 8px;overscroll-behavior:contain;display:flex;flex-direction:column;gap:10px}",
    ".list:focus-visible{outline-offset:-2px}",
    ".box{display:flex;flex-direction:column;gap:10px}",
    ".div{display:flex;align-items:center;gap:10px;color:var(--mu);font-size:12px;margin:6px 0}",
    ".div::before,.div::after{content:'';flex:1;border-top:1px solid var(--ln)}",
    ".msg{display:flex;flex-direction:column;align-items:flex-start;max-width:86%;min-width:0}",
    ".msg[data-author=customer]{align-self:flex-end;align-items:flex-end}",
    ".who{font-size:12px;color:var(--mu);margin:0 0 3px 4px}.cont .who{display:none}.box>.cont{margin-top:-6px}",
    ".bub{padding:9px 13px;border-radius:18px;border-bottom-left-radius:6px;background:var(--bub);max-width:100%;",
    "overflow-wrap:anywhere;word-break:break-word}",
    ".msg[data-author=customer] .bub{background:var(--b);color:var(--ob);border-radius:18px;border-bottom-right-radius:6px;white-space:pre-wrap}",
    ".msg[data-pending] .bub{opacity:.65}",
    ".msg[data-failed] .bub{background:#fdeded;color:#8a1f1f}",
    ".msg[data-author=system]{align-self:center;align-items:center;max-width:92%}",
    ".msg[data-author=system] .bub{background:none;color:var(--mu);font-size:13px;text-align:center;padding:2px 8px}",
    ".bub>*{margin:0}.bub>*+*{margin-top:8px}",
    ".bub ul,.bub ol{padding-left:22px}.bub li+li{margin-top:2px}",
    ".bub table{border-collapse:collapse;margin:6px 0;font-size:13.5px;display:block;overflow-x:auto;max-width:100%}",
    ".bub th,.bub td{border:1px solid var(--ln);padding:4px 8px;text-align:start;vertical-align:top}",
    ".bub th{background:rgba(0,0,0,.04);font-weight:600}",
    ".bub code{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:rgba(127,127,127,.16);padding:1px 5px;border-radius:5px}",
    ".bub pre{background:#141a26;color:#e6e9ef;padding:10px 12px;border-radius:10px;overflow-x:auto;white-space:pre;max-width:100%}",
    ".bub pre code{background:none;padding:0;color:inherit;font-size:12.5px}",
    ".bub a{color:var(--lk);text-decoration:underline;text-underline-offset:2px}",
    ".msg[data-author=customer] .bub a{color:inherit}",
    ".bub[aria-busy=true]>:last-child::after{content:'';display:inline-block;width:6px;height:6px;margin-left:4px;border-radius:50%;",
    "background:currentColor;opacity:.45;vertical-align:middle;animation:aw-pulse 1s ease-in-out infinite}",
    "@keyframes aw-pulse{50%{opacity:.1}}",
    ".meta{font-size:12px;color:var(--mu);margin:3px 6px 0;display:flex;gap:8px;align-items:center}",
    ".meta button{color:var(--lk);text-decoration:underline;font-size:12px}",
    ".cites{margin:6px 4px 0;font-size:12.5px;color:var(--mu)}",
    ".act{display:flex;flex-wrap:wrap;gap:8px;margin:8px 2px 0;align-items:center}",
    ".act button{font-size:14px;padding:7px 16px;border-radius:999px;border:1px solid var(--b);min-height:36px}",
    ".act .ok{background:var(--b);color:var(--ob)}.act .no{background:var(--bg);color:var(--b)}",
    ".act button:disabled{opacity:.5;cursor:default}.act .done{font-size:12.5px;color:var(--mu)}",
    ".cites ol{margin:2px 0 0;padding-left:18px}.cites a{color:var(--lk)}",
    ".typing{display:flex;align-items:center;gap:8px;padding:2px 18px 8px;font-size:13px;color:var(--mu);flex:none}",
    ".dots{display:inline-flex;gap:3px}.dots i{width:6px;height:6px;border-radius:50%;background:currentColor;",
    "animation:aw-dot 1.2s ease-in-out infinite}.dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}",
    "@keyframes aw-dot{0%,70%,100%{opacity:.25;transform:none}35%{opacity:1;transform:translateY(-3px)}}",
    ".cmp{border-top:1px solid var(--ln);padding:10px 12px 12px;flex:none;background:var(--bg)}",
    ".tools{display:flex;align-items:center;gap:8px;margin-bottom:8px}",
    ".tools:not(:has(:not([hidden]))){display:none}",
    ".ho{font-size:13px;padding:6px 12px;border:1px solid var(--ln);border-radius:999px;background:var(--bg);transition:border-color .15s,color .15s}",
    ".ho:hover{border-color:var(--lk);color:var(--lk)}",
    ".cnt{margin-left:auto;font-size:12px;color:var(--mu)}.cnt[data-over]{color:#c62828;font-weight:600}",
    ".row{display:flex;align-items:flex-end;gap:8px;background:var(--bub);border:1px solid transparent;border-radius:16px;padding:5px 5px 5px 14px;transition:border-color .15s,background .15s}",
    ".row:focus-within{border-color:var(--lk);background:var(--bg)}",
    "textarea{font:inherit;color:inherit;margin:0}",
    ".in{flex:1;min-width:0;border:0;outline:0;background:transparent;resize:none;font-size:16px;line-height:22px;",
    "padding:6px 0;height:34px;min-height:34px;max-height:142px;overflow-y:auto}",
    ".in::placeholder{color:var(--mu);opacity:1}",
    ".in:disabled{cursor:not-allowed}",
    ".send{width:36px;height:36px;border-radius:12px;background:var(--b);color:var(--ob);display:grid;place-items:center;flex:none;transition:opacity .15s}",
    ".send:disabled{opacity:.35;cursor:default}",
    ".note{font-size:12.5px;color:#8a1f1f;margin:8px 4px 0}",
    ".clip{width:36px;height:36px;margin-left:-9px;border-radius:12px;color:var(--mu);display:grid;place-items:center;flex:none}",
    ".clip+.clip{margin-left:-6px}",
    ".clip:hover,.clip:focus-visible{color:var(--lk)}.clip:disabled{opacity:.35;cursor:default}",
    ".tray{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:8px}.tray:empty{display:none}",
    ".chip{position:relative;display:flex;align-items:center;gap:8px;max-width:100%;min-width:0;padding:4px 30px 4px 4px;border:1px solid var(--ln);border-radius:12px;background:var(--bg);font-size:12.5px}",
    ".chip[data-error]{border-color:#e5a3a3;background:#fdeded;color:#8a1f1f}",
    ".chip .th{width:40px;height:40px;border-radius:8px;object-fit:cover;flex:none;background:var(--bub);display:grid;place-items:center;color:var(--mu)}",
    ".chip .cx{min-width:0}",
    ".chip .nm{display:block;max-width:150px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}",
    ".chip .pg{display:block;height:4px;border-radius:2px;background:var(--ln);margin-top:4px;overflow:hidden;width:110px}",
    ".chip .pg i{display:block;height:100%;background:var(--b);width:0;transition:width .2s}",
    ".chip .rm{position:absolute;top:50%;right:4px;transform:translateY(-50%);width:24px;height:24px;border-radius:50%;display:grid;place-items:center;color:var(--mu)}",
    ".chip .rm:hover{background:var(--bub);color:inherit}",
    ".files{display:flex;flex-wrap:wrap;gap:6px;margin-top:4px;max-width:100%}",
    ".msg[data-author=customer] .files{justify-content:flex-end}",
    ".files a{display:block;color:inherit;text-decoration:none;border-radius:12px}",
    ".files img{display:block;max-width:220px;max-height:200px;min-width:48px;min-height:48px;border-radius:12px;background:var(--bub);object-fit:cover}",
    ".files .doc{display:flex;align-items:center;gap:8px;max-width:240px;padding:8px 12px;border:1px solid var(--ln);border-radius:12px;background:var(--bg);font-size:13px}",
    ".files .doc span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    ".files .doc small{color:var(--mu);flex:none}",
    ".drop{position:absolute;inset:0;z-index:3;display:grid;place-items:center;padding:24px;text-align:center;font-weight:600;color:var(--lk);background:rgba(255,255,255,.92);border:2px dashed var(--lk);border-radius:inherit;pointer-events:none}",
    ".csat{align-self:stretch;border:1px solid var(--ln);border-radius:14px;padding:14px;text-align:center;background:var(--bg)}",
    ".csat p{margin:0;font-weight:600}",
    ".stars{display:flex;justify-content:center;gap:2px;margin:8px 0 4px}",
    ".star{font-size:28px;line-height:1;color:#cdd2dc;padding:2px 5px;border-radius:8px;transition:color .1s,transform .1s}",
    ".star.on{color:#f5a524}.star:hover{transform:scale(1.12)}",
    ".csat textarea{display:block;width:100%;margin-top:8px;border:1px solid var(--ln);border-radius:10px;padding:8px 10px;font-size:16px;min-height:64px;resize:vertical;background:var(--bg)}",
    ".pri{margin-top:10px;background:var(--b);color:var(--ob);border-radius:10px;padding:8px 16px;font-weight:600}",
    ".pri:disabled{opacity:.4;cursor:default}",
    ".sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}",
    "@media (max-width:480px){.panel,.left .panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0;animation:none}",
    ".root[data-open] .launcher{display:none}.launcher{right:16px;bottom:16px}.left .launcher{left:16px}}",
    "@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}",
    "@media (forced-colors:active){.bub,.launcher,.send,.csat,.row{border:1px solid CanvasText}}"
  ].join("\n");

  function applyStyles(root) {
    try {
      if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        return;
      }
    } catch (e) { /* fall back to a <style> element */ }
    var st = doc.createElement("style");
    if (cfg.nonce) st.nonce = cfg.nonce;
    st.textContent = CSS;
    root.appendChild(st);
  }

  // The brand colour is validated by the browser's own parser and re-emitted as numbers, then set
  // through the CSSOM (allowed under a strict style-src, unlike a style attribute).
  function applyColor(value) {
    if (!value) return;
    var probe = h("span");
    probe.style.color = String(value);
    if (!probe.style.color) { warn("ignored data-color " + JSON.stringify(value)); return; }
    E.shadow.appendChild(probe);
    var m = /rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)/.exec(win.getComputedStyle(probe).color);
    E.shadow.removeChild(probe);
    if (!m) return;
    var rgb = [+m[1], +m[2], +m[3]];
    var L = lum(rgb), color = "rgb(" + rgb.join(",") + ")";
    var whiteContrast = 1.05 / (L + 0.05), darkContrast = (L + 0.05) / 0.0625;
    var dark = darkContrast > whiteContrast;
    E.root.style.setProperty("--b", color);
    E.root.style.setProperty("--ob", dark ? "#111827" : "#fff");
    E.root.style.setProperty("--lk", whiteContrast >= 4.5 ? color : "#1d4ed8");
    E.root.classList.toggle("dark", dark);
  }

  function resetColor() {
    ["--b", "--ob", "--lk"].forEach(function (p) { E.root.style.removeProperty(p); });
    E.root.classList.remove("dark");
  }

  // The inbox's avatar, else the initials of its public name, else the chat icon.
  function renderAvatar() {
    var name = (S.inbox && S.inbox.name) || "", src = S.inbox && S.inbox.avatar;
    E.av.textContent = "";
    if (src) {
      var img = E.av.appendChild(h("img", "", { src: cfg.origin + src, alt: "" }));
      // A page whose CSP allows no images from this server gets the initials instead.
      img.addEventListener("error", function () { if (S.inbox) { S.inbox.avatar = ""; renderAvatar(); } });
      return;
    }
    var initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return Array.from(w)[0].toUpperCase(); }).join("");
    E.av.appendChild(initials ? h("b", "", { "aria-hidden": "true" }, [txt(initials)]) : icon(I_CHAT, 20));
  }

  function lum(rgb) {
    var c = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  /* ------------------------------------------------------------------------- UI */

  function build() {
    var host = E.host = doc.createElement("assistant-widget");
    host.setAttribute("data-state", "idle");
    var shadow = E.shadow = host.attachShadow({ mode: "open" });
    applyStyles(shadow);

    var root = E.root = h("div", "root" + (cfg.position === "left" ? " left" : ""));
    E.title = h("h2", "", { id: "aw-title" });
    E.sub = h("p", "", { "data-testid": "subtitle" });
    // The team behind the chat and when they usually reply (the session's "team").
    E.team = h("div", "tm", { "data-testid": "team", hidden: "" });
    E.close = h("button", "x", { type: "button", "data-testid": "close" }, [icon(I_CLOSE)]);
    bind(E.close, "launcher_close", "aria-label");
    var header = h("div", "hd", null, [
      E.av = h("div", "av", { "data-testid": "avatar" }, [icon(I_CHAT, 20)]),
      h("div", "ht", null, [E.title, E.sub, E.team]),
      E.close
    ]);
    E.status = h("div", "st", { "data-testid": "status", role: "status", hidden: "" });
    E.list = h("div", "list", { "data-testid": "message-list", role: "log", "aria-live": "off", tabindex: "0" });
    bind(E.list, "log", "aria-label");
    E.top = E.list.appendChild(h("div", "box"));
    newBox(null);
    E.typingText = h("span");
    E.typing = h("div", "typing", { "data-testid": "typing", hidden: "" }, [
      h("span", "dots", { "aria-hidden": "true" }, [h("i"), h("i"), h("i")]), E.typingText
    ]);
    E.handoff = h("button", "ho", { type: "button", "data-testid": "handoff" });
    bind(E.handoff, "handoff");
    E.counter = h("span", "cnt", { "data-testid": "counter", hidden: "", "aria-live": "polite" });
    E.input = h("textarea", "in", { "data-testid": "input", rows: "1", autocomplete: "off", enterkeyhint: "send" });
    bind(E.input, "input", "aria-label");
    bind(E.input, "placeholder", "placeholder");
    E.send = h("button", "send", { type: "button", "data-testid": "send", disabled: "" }, [icon(I_SEND, 20)]);
    bind(E.send, "send", "aria-label");
    E.note = h("div", "note", { "data-testid": "notice", hidden: "" });
    // The paperclip opens the file picker (photos and PDFs; on a phone it offers the camera
    // too). The camera button, only where a touch screen suggests a phone, opens the camera
    // directly: `capture` there, never on the paperclip, which would hide the gallery.
    E.fileInput = h("input", "sr", { type: "file", multiple: "", accept: "image/*,application/pdf", tabindex: "-1", "aria-hidden": "true", "data-testid": "file-input" });
    E.cameraInput = h("input", "sr", { type: "file", accept: "image/*", capture: "environment", tabindex: "-1", "aria-hidden": "true" });
    E.attach = h("button", "clip", { type: "button", "data-testid": "attach" }, [icon(I_CLIP, 20)]);
    bind(E.attach, "att_attach", "aria-label");
    bind(E.attach, "att_attach", "title");
    E.camera = h("button", "clip", { type: "button", "data-testid": "camera", hidden: "" }, [icon(I_CAMERA, 20)]);
    bind(E.camera, "att_camera", "aria-label");
    bind(E.camera, "att_camera", "title");
    try { E.camera.hidden = !win.matchMedia("(pointer: coarse)").matches; } catch (e) { /* old browser */ }
    E.tray = h("div", "tray", { "data-testid": "attachment-tray", role: "list" });
    bind(E.tray, "att_files", "aria-label");
    var composer = h("div", "cmp", null, [
      h("div", "tools", null, [E.handoff, E.counter]),
      E.tray,
      h("div", "row", null, [E.attach, E.camera, E.input, E.send, E.fileInput, E.cameraInput]),
      E.note
    ]);
    E.live = h("div", "sr", { "data-testid": "live", "aria-live": "polite", "aria-atomic": "true" });
    E.emailInput = h("input", "", { type: "email", "data-testid": "email-input", autocomplete: "email", id: "aw-email", maxlength: "254" });
    E.emailSave = h("button", "", { type: "submit", "data-testid": "email-save" });
    bind(E.emailSave, "email_save");
    E.email = h("form", "em", { "data-testid": "email-form", hidden: "", novalidate: "" }, [
      bind(h("label", "", { "for": "aw-email" }), "email_ask"),
      h("div", "", null, [E.emailInput, E.emailSave])
    ]);
    E.email.addEventListener("submit", function (e) { e.preventDefault(); leaveEmail(); });
    E.panel = h("div", "panel", {
      id: "aw-panel", "data-testid": "panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "aw-title", "data-state": "idle", hidden: ""
    }, [header, E.status, E.list, E.typing, E.email, composer, E.live]);
    E.badge = h("span", "badge", { "data-testid": "unread", hidden: "" });
    E.launcherIcon = icon(I_CHAT, 26);
    E.launcher = h("button", "launcher", {
      type: "button", "data-testid": "launcher", "aria-controls": "aw-panel", "aria-expanded": "false"
    }, [E.launcherIcon, E.badge]);
    root.appendChild(E.panel);
    root.appendChild(E.launcher);
    shadow.appendChild(root);
    (doc.body || doc.documentElement).appendChild(host);
    applyColor(cfg.color);

    E.launcher.addEventListener("click", function () { setOpen(!S.open, true); });
    E.close.addEventListener("click", function () { setOpen(false, true); });
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && S.open && !e.isComposing) { e.preventDefault(); e.stopPropagation(); setOpen(false, true); }
    });
    E.input.addEventListener("keydown", function (e) {
      // keyCode 229: an IME (Chinese, Japanese) is composing; Enter confirms the candidate there.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); sendText(); }
    });
    E.input.addEventListener("input", onInput);
    E.send.addEventListener("click", function () { sendText(); E.input.focus(); });
    bindFiles();
    E.handoff.addEventListener("click", requestHandoff);

    var cached = jget(P + "inbox", null);
    if (cached && typeof cached === "object") setInbox(cached);
    renderHeader();
    renderHandoff();
  }

  function newBox(convId) {
    var box = h("div", "box");
    if (convId != null) box.setAttribute("data-conversation", String(convId));
    E.box = E.list.appendChild(box);
    return box;
  }

  function setLanguage(code) {
    S.langTag = String(code || "").slice(0, 35);
    S.lang = pickLang(S.langTag);
    if (!E.root) return;
    E.root.setAttribute("lang", S.lang === "zh" ? "zh-Hans" : S.lang);
    B = B.filter(function (b) { return b[0].isConnected; });
    B.forEach(applyBinding);
    renderHeader();
    renderStatus();
    onInput();
    setOpenLabels();
  }

  function setOpenLabels() {
    E.launcher.setAttribute("aria-label", S.unread && !S.open
      ? t(S.open ? "launcher_close" : "launcher_open") + " (" + t("unread", { n: S.unread }) + ")"
      : t(S.open ? "launcher_close" : "launcher_open"));
  }

  function setOpen(open, moveFocus) {
    if (!S.ready) return;
    open = !!open;
    if (open === S.open) { if (open && moveFocus) E.input.focus(); return; }
    S.open = open;
    E.panel.hidden = !open;
    E.root.toggleAttribute("data-open", open);
    E.host.toggleAttribute("data-open", open);
    E.launcher.setAttribute("aria-expanded", String(open));
    E.launcher.replaceChild(icon(open ? I_DOWN : I_CHAT, 26), E.launcher.firstChild);
    tabSet(P + "open", open ? "1" : "");
    if (open) {
      S.unread = 0;
      renderBadge();
      markSeen();
      start();
      E.list.scrollTop = E.list.scrollHeight;
      if (moveFocus !== false) E.input.focus({ preventScroll: true });
    } else if (moveFocus) {
      E.launcher.focus();
    }
    setOpenLabels();
  }

  function renderBadge() {
    E.badge.hidden = !S.unread || S.open;
    E.badge.textContent = S.unread > 9 ? "9+" : String(S.unread);
    setOpenLabels();
  }

  function setInbox(inbox) {
    S.inbox = {
      name: typeof inbox.name === "string" ? inbox.name : "",
      greeting: typeof inbox.greeting === "string" ? inbox.greeting : "",
      bot_enabled: inbox.bot_enabled !== false,
      color: typeof inbox.color === "string" ? inbox.color : "",
      // A path on this server (as ws_url), never another host's address.
      avatar: typeof inbox.avatar_url === "string" && /^\/[^/\\]/.test(inbox.avatar_url) ? inbox.avatar_url : ""
    };
    // The inbox's colour from its settings; a data-color on the page's script tag still wins.
    if (cfg.color || S.inbox.color) applyColor(cfg.color || S.inbox.color);
    else resetColor();
    renderAvatar();
    renderGreeting();
    renderHeader();
    renderHandoff();
  }

  function setGreeting(greeting) {
    if (!S.inbox) return;
    S.inbox.greeting = greeting;
    sset(P + "inbox", JSON.stringify(S.inbox));
    renderGreeting();
  }

  function setTeam(team) {
    var members = Array.isArray(team.members) ? team.members : [];
    S.team = {
      members: members.filter(function (m) { return typeof m === "string" && m; }).slice(0, 5).map(function (m) { return m.slice(0, 40); }),
      reply_time: typeof team.reply_time === "string" ? team.reply_time.slice(0, 160) : "",
      ask_email: team.ask_email === true
    };
    renderHeader();
    renderEmail();
  }

  function renderTeam() {
    var team = S.team;
    E.team.textContent = "";
    E.team.hidden = !team || (!team.members.length && !team.reply_time);
    if (E.team.hidden) return;
    var initials = h("span", "ini", { "aria-hidden": "true" });
    // At most MAX_INITIALS circles: a larger team shows the first names' initials and "+N", so
    // the reply time keeps its room in a phone's header.
    var shownMembers = team.members.length > MAX_INITIALS ? team.members.slice(0, MAX_INITIALS - 1) : team.members;
    shownMembers.forEach(function (name) { initials.appendChild(h("span", "", null, [txt(name.charAt(0).toUpperCase())])); });
    if (shownMembers.length < team.members.length) {
      initials.appendChild(h("span", "more", { "data-testid": "team-more" }, [txt("+" + (team.members.length - shownMembers.length))]));
    }
    // The reply time is said once: here, unless the subtitle above already says it (waiting).
    var names = team.members.join(", ");
    var inSubtitle = S.conv && S.conv.state === "waiting" && team.reply_time;
    var words = inSubtitle || !team.reply_time ? names : team.reply_time;
    E.team.setAttribute("title", names);
    E.team.appendChild(initials);
    E.team.appendChild(h("span", "tt", null, [txt(words)]));
  }

  // While the customer waits and nobody can answer soon, they may leave an address for the answer.
  function renderEmail() {
    if (!E.email) return;
    var st = S.conv && S.conv.state;
    E.email.hidden = !(st === "waiting" && S.team && S.team.ask_email && !S.email);
  }

  function leaveEmail() {
    var value = E.emailInput.value.trim();
    if (!value || !E.emailInput.checkValidity()) return notice("email_invalid");
    if (!frame({ type: "email", email: value.slice(0, 254) })) return notice("error");
    S.email = value;
    notice("");
    renderEmail();
  }

  function renderGreeting() {
    E.top.textContent = "";
    if (!S.inbox || !S.inbox.greeting) return;
    var bub = h("div", "bub", { dir: "auto" });
    markdown(S.inbox.greeting, bub);
    E.top.appendChild(h("div", "msg", { "data-testid": "greeting", "data-author": "assistant" }, [bub]));
  }

  function renderHeader() {
    if (!E.title) return;
    E.title.textContent = (S.inbox && S.inbox.name) || t("title");
    var st = S.conv && S.conv.state;
    E.sub.textContent = st === "agent" && S.agent ? t("sub_agent", { name: S.agent })
      : st === "resolved" ? t("sub_resolved")
      : st === "waiting" && S.team && S.team.reply_time ? S.team.reply_time
      : st === "waiting" || st === "agent" || (S.inbox && !S.inbox.bot_enabled) ? t("sub_waiting")
      : t("sub_bot");
    renderTeam();
  }

  function renderHandoff() {
    var st = S.conv && S.conv.state;
    E.handoff.hidden = !!(S.handoffSent || (S.inbox && !S.inbox.bot_enabled) || (st && st !== "bot") || S.stopped);
    E.handoff.disabled = !S.welcomed;
  }

  function setConn(state) {
    S.conn = state;
    E.host.setAttribute("data-state", state);
    E.panel.setAttribute("data-state", state);
    clearTimeout(S.statusTimer);
    // A fast connection should not flash "Connecting…".
    if (state === "connecting" && !S.everOpen) S.statusTimer = setTimeout(renderStatus, 700);
    else renderStatus();
  }

  function renderStatus() {
    var key = "", kind = "";
    if (S.stopped) { key = S.stopped; kind = "error"; }
    // The browser knows at once that the network is gone; the socket may take a while to say.
    else if (navigator.onLine === false && S.started) key = "offline";
    else if (S.conn === "connecting") key = S.everOpen ? "reconnecting" : "connecting";
    else if (S.conn === "closed") key = "reconnecting";
    E.status.hidden = !key;
    E.status.textContent = key ? t(key) : "";
    if (kind) E.status.setAttribute("data-kind", kind); else E.status.removeAttribute("data-kind");
  }

  function notice(key, vars) {
    clearTimeout(S.noteTimer);
    E.note.hidden = !key;
    E.note.textContent = key ? t(key, vars) : "";
    if (key) {
      announce(E.note.textContent);
      S.noteTimer = setTimeout(function () { E.note.hidden = true; }, 8000);
    }
  }

  function announce(text) {
    clearTimeout(S.liveTimer);
    E.live.textContent = "";
    // Cleared first and set a moment later so that the same words are announced again.
    S.liveTimer = setTimeout(function () { E.live.textContent = String(text).slice(0, 600); }, 60);
  }

  function nearBottom() { return E.list.scrollHeight - E.list.scrollTop - E.list.clientHeight < 90; }
  function changeList(fn, force) {
    var stick = force || nearBottom();
    fn();
    if (stick) E.list.scrollTop = E.list.scrollHeight;
  }

  function onInput() {
    if (!E.input) return;
    var v = E.input.value, n = charCount(v);
    var tray = trayState();
    E.send.disabled = (!v.trim() && !tray.ready.length) || tray.busy || n > MAX_LEN || !!S.stopped;
    E.counter.hidden = n < COUNTER_FROM;
    E.counter.toggleAttribute("data-over", n > MAX_LEN);
    E.counter.textContent = n > MAX_LEN ? t("over", { n: n - MAX_LEN }) : t("left", { n: MAX_LEN - n });
    E.input.style.height = "auto";
    E.input.style.height = Math.min(E.input.scrollHeight, 142) + "px";
    if (v && S.welcomed) {
      var now = Date.now();
      if (!S.typingOn || now - S.typingAt > 3000) { S.typingOn = true; S.typingAt = now; frame({ type: "typing", active: true }); }
      clearTimeout(S.typingIdle);
      S.typingIdle = setTimeout(stopTyping, 4000);
    } else if (!v) stopTyping();
  }

  function stopTyping() {
    clearTimeout(S.typingIdle);
    if (S.typingOn) { S.typingOn = false; frame({ type: "typing", active: false }); }
  }

  /* ------------------------------------------------------------------- messages */

  function authorLabel(kind, name) {
    if (kind === "customer") return t("you");
    if (kind === "agent") return name || t("agent");
    if (kind === "assistant") return name || t("assistant");
    return t("system");
  }

  function messageEl(kind, name) {
    var el = h("div", "msg", { "data-testid": "message", "data-author": kind });
    var label = h("span", "sr");
    label.textContent = authorLabel(kind, name) + ": ";
    el.appendChild(label);
    if (kind === "agent" || (kind === "assistant" && name)) {
      var who = h("div", "who", { "aria-hidden": "true" });
      who.textContent = authorLabel(kind, name);
      el.appendChild(who);
      if (name) el.setAttribute("data-name", name);
    }
    el.appendChild(h("div", "bub", { dir: "auto" }));
    return el;
  }

  function bubble(el) { return el.querySelector(".bub"); }

  function fillMessage(el, m, kind) {
    var bub = bubble(el);
    bub.textContent = "";
    if (kind === "customer") bub.textContent = String(m.text == null ? "" : m.text);
    else markdown(m.text, bub);
    if (m.created_at) {
      var d = new Date(m.created_at);
      if (!isNaN(d)) try { bub.title = d.toLocaleString(S.lang); } catch (e) { bub.title = d.toLocaleString(); }
    }
    var oldFiles = el.querySelector(".files");
    if (oldFiles) oldFiles.remove();
    var hasFiles = Array.isArray(m.attachments) && m.attachments.length > 0;
    if (hasFiles) bub.after(filesEl(m.attachments));
    // A message of files alone shows no empty bubble.
    bub.hidden = hasFiles && !String(m.text == null ? "" : m.text).trim();
    var old = el.querySelector(".cites");
    if (old) old.remove();
    var cites = Array.isArray(m.citations) ? m.citations.slice(0, 8) : [];
    if (cites.length && kind !== "customer") {
      var ol = h("ol");
      cites.forEach(function (c) {
        if (!c || typeof c !== "object") return;
        var url = safeUrl(c.url), title = typeof c.title === "string" && c.title.trim() ? c.title : "";
        var li = ol.appendChild(h("li"));
        if (url) link(url, li).textContent = title || new URL(url).hostname;
        else li.textContent = title;
      });
      var label = h("span");
      bind(label, "sources");
      el.appendChild(h("div", "cites", { "data-testid": "citations" }, [label, ol]));
    }
  }

  function messageText(el) { return bubble(el).textContent; }

  // Insert by seq within the current conversation; pending and streaming bubbles stay last.
  function place(el, seq) {
    if (seq != null) {
      var kids = E.box.children;
      for (var i = 0; i < kids.length; i++) {
        var k = kids[i], ks = k.getAttribute("data-seq");
        if (k === el) continue;
        if ((ks != null && +ks > seq) || k.hasAttribute("data-pending") || k.hasAttribute("data-stream")) {
          E.box.insertBefore(el, k);
          return group(el);
        }
      }
    }
    E.box.appendChild(el);
    group(el);
  }

  // Consecutive messages from the same person show the name once.
  function group(el) {
    [el, el.nextElementSibling].forEach(function (x) {
      var p = x && x.previousElementSibling;
      if (x) x.classList.toggle("cont", !!p && p.getAttribute("data-author") === x.getAttribute("data-author") &&
        p.getAttribute("data-name") === x.getAttribute("data-name"));
    });
  }

  function noteSeq(seq, live) {
    // A gap means a broadcast was lost (the channel layer is at-most-once): ask for it again.
    if (live && S.welcomed && seq > S.maxSeq + 1 && S.resumeFor !== S.maxSeq) {
      S.resumeFor = S.maxSeq;
      frame({ type: "resume", last_seq: S.maxSeq });
    }
    S.seqs[seq] = 1;
    if (seq > S.maxSeq) S.maxSeq = seq;
  }

  function addMessage(m, live, reuse) {
    if (!m || typeof m !== "object") return;
    if (m.conversation_id != null && S.conv && String(m.conversation_id) !== String(S.conv.id)) {
      switchConversation({ id: m.conversation_id, state: "bot" });
    }
    var seq = typeof m.seq === "number" && isFinite(m.seq) ? m.seq : null;
    var cid = typeof m.client_id === "string" ? m.client_id : null;
    var author = m.author && typeof m.author === "object" ? m.author : {};
    var kind = KINDS.hasOwnProperty(author.kind) ? author.kind : "system";
    var name = typeof author.name === "string" ? author.name.slice(0, 80) : "";
    var pend = cid && S.pending[cid];
    if (cid) { outboxDel(cid); delete S.pending[cid]; }
    if (!reuse && kind !== "customer" && seq != null) reuse = adoptStream(kind, String(m.text || ""));
    if (seq != null && S.seqs[seq]) {
      if (pend && pend.el !== reuse) pend.el.remove();
      if (reuse) reuse.remove();
      return;
    }
    var el = reuse || (pend && pend.el);
    if (el && pend && reuse && pend.el !== reuse) pend.el.remove();
    if (!el) el = messageEl(kind, name);
    changeList(function () {
      el.removeAttribute("data-pending");
      el.removeAttribute("data-failed");
      el.removeAttribute("data-stream");
      var meta = el.querySelector(".meta");
      if (meta) meta.remove();
      bubble(el).removeAttribute("aria-busy");
      if (cid) el.setAttribute("data-client-id", cid);
      fillMessage(el, m, kind);
      if (seq != null) { el.setAttribute("data-seq", String(seq)); noteSeq(seq, live); }
      place(el, seq);
      if (seq != null) attachActionCard(seq);
    }, kind === "customer" && live);
    if (kind !== "customer" && S.typingKind === kind) hideTyping();
    if (live && kind !== "customer") {
      announce(authorLabel(kind, name) + ": " + messageText(el));
      recountUnread();
    }
  }

  function addPending(item) {
    var el = messageEl("customer");
    el.setAttribute("data-pending", "true");
    el.setAttribute("data-client-id", item.id);
    bubble(el).textContent = item.text;
    var files = Array.isArray(item.files) ? item.files : [];
    if (files.length) el.appendChild(filesEl(files));
    bubble(el).hidden = files.length > 0 && !item.text;
    var meta = h("div", "meta", { "data-testid": "message-status" });
    bind(meta, "sending");
    el.appendChild(meta);
    S.pending[item.id] = { el: el, text: item.text, files: files };
    changeList(function () { E.box.appendChild(el); }, true);
  }

  function failPending(cid) {
    var p = S.pending[cid];
    if (!p) return;
    delete S.pending[cid];
    outboxDel(cid);
    p.el.removeAttribute("data-pending");
    p.el.setAttribute("data-failed", "true");
    var meta = p.el.querySelector(".meta");
    meta.textContent = "";
    var retry = h("button", "", { type: "button", "data-testid": "retry" });
    meta.appendChild(bind(h("span"), "failed"));
    meta.appendChild(bind(retry, "retry"));
    retry.addEventListener("click", function () {
      p.el.remove();
      queueText(p.text, cid, p.files);
    });
  }

  // Unread = messages from the other side, in this conversation, after the last one seen open.
  function recountUnread() {
    var n = 0;
    if (S.open) markSeen();
    else {
      var els = E.box.querySelectorAll("[data-seq]");
      for (var i = 0; i < els.length; i++) {
        if (+els[i].getAttribute("data-seq") > S.seen && els[i].getAttribute("data-author") !== "customer") n++;
      }
    }
    if (n !== S.unread) { S.unread = n; renderBadge(); }
  }

  function markSeen() {
    if (S.conv && S.conv.id != null && S.maxSeq > S.seen) {
      S.seen = S.maxSeq;
      sset(P + "seen:" + S.conv.id, String(S.seen));
    }
  }

  /* ---------------------------------------------------------------- sending */

  // Text pasted from word processors can carry control characters (a vertical tab or form feed
  // for a line or page break) that the server refuses (docs/widget-protocol.md): breaks become
  // line feeds, the other control characters are dropped, a lone surrogate becomes U+FFFD.
  function cleanText(text) {
    return text.replace(/[\u000b\u000c]/g, "\n")
      .replace(/[\u0000-\u0008\u000e-\u001f]/g, "")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  }

  function sendText() {
    var text = cleanText(E.input.value).replace(/^\s*\n|\s+$/g, "");
    var tray = trayState();
    if ((!text.trim() && !tray.ready.length) || tray.busy || charCount(text) > MAX_LEN || S.stopped) return;
    E.input.value = "";
    clearTray();
    onInput();
    stopTyping();
    queueText(text.trim() ? text : "", null, tray.ready);
  }

  function queueText(text, reuseId, files) {
    var item = { id: reuseId || uuid(), text: text, t: Date.now(), files: files || [] };
    outboxAdd(item);
    addPending(item);
    if (S.welcomed) frame(messageFrame(item.id, item.text, item.files));
    else start();
    liveFlag(true);
  }

  // A message frame; files are named by the ids the upload returned (docs/widget-protocol.md).
  function messageFrame(id, text, files) {
    var msg = { type: "message", client_id: id, text: text };
    if (files && files.length) msg.attachments = files.map(function (f) { return f.id; });
    return msg;
  }

  function flushOutbox() {
    for (var id in S.pending) {
      if (S.pending.hasOwnProperty(id)) frame(messageFrame(id, S.pending[id].text, S.pending[id].files));
    }
  }

  /* ------------------------------------------------------------ attachments */
  // Files are uploaded as soon as they are chosen (POST /api/widget/attachments with the session
  // token), shown in the tray with their progress, and sent with the next message by id.
  // Attachments in the transcript are fetched with the same token and shown from blob URLs: an
  // <img src> could not carry the token, and the token never goes into a URL.

  function bindFiles() {
    E.attach.addEventListener("click", function () { if (!S.stopped) E.fileInput.click(); });
    E.camera.addEventListener("click", function () { if (!S.stopped) E.cameraInput.click(); });
    [E.fileInput, E.cameraInput].forEach(function (input) {
      input.addEventListener("change", function () { addFiles(input.files); input.value = ""; });
    });
    // A screenshot pasted into the message box is attached; pasted text stays text.
    E.input.addEventListener("paste", function (e) {
      var files = e.clipboardData && e.clipboardData.files;
      if (files && files.length) { e.preventDefault(); addFiles(files); }
    });
    var depth = 0;
    E.panel.addEventListener("dragenter", function (e) {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth++;
      showDrop(true);
    });
    E.panel.addEventListener("dragover", function (e) {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    });
    E.panel.addEventListener("dragleave", function (e) {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) showDrop(false);
    });
    E.panel.addEventListener("drop", function (e) {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth = 0;
      showDrop(false);
      addFiles(e.dataTransfer.files);
    });
  }

  function carriesFiles(e) {
    var types = e.dataTransfer && e.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  function showDrop(on) {
    if (on && !E.drop) E.drop = E.panel.appendChild(bind(h("div", "drop", { "data-testid": "drop-zone" }), "att_drop"));
    else if (!on && E.drop) { E.drop.remove(); E.drop = null; }
  }

  function addFiles(list) {
    if (S.stopped) return;
    Array.prototype.slice.call(list || []).forEach(function (file) {
      if (S.files.length >= S.fileMax.count) { notice("att_too_many", { n: S.fileMax.count }); return; }
      var item = { file: file, name: String(file.name || "").slice(0, 200) || "image", state: "uploading", progress: 0 };
      S.files.push(item);
      E.tray.appendChild(chipEl(item));
      if (file.size > S.fileMax.bytes) fileFailed(item, "att_too_large");
      else upload(item, false);
    });
    onInput();
  }

  function trayState() {
    var ready = [], busy = false;
    S.files.forEach(function (x) { if (x.state === "ready") ready.push(x.att); else if (x.state === "uploading") busy = true; });
    return { ready: ready, busy: busy };
  }

  function clearTray() {
    S.files.forEach(function (x) { dropFile(x, true); });
    S.files = [];
  }

  function dropFile(item, keepList) {
    if (item.xhr && item.state === "uploading") item.xhr.abort();
    if (item.preview) URL.revokeObjectURL(item.preview);
    if (item.el) item.el.remove();
    if (!keepList) S.files = S.files.filter(function (x) { return x !== item; });
    onInput();
  }

  function chipEl(item) {
    var el = item.el = h("div", "chip", { role: "listitem", "data-testid": "attachment-chip" });
    if (/^image\//.test(item.file.type || "") && win.URL && URL.createObjectURL) {
      // The visitor's own file, shown from memory before it is uploaded.
      item.preview = URL.createObjectURL(item.file);
      var thumb = el.appendChild(h("img", "th", { src: item.preview, alt: "" }));
      // Named like an image but no image (the server will say what it is): the file icon.
      thumb.addEventListener("error", function () { thumb.replaceWith(h("span", "th", null, [icon(I_DOC, 20)])); });
    } else el.appendChild(h("span", "th", null, [icon(I_DOC, 20)]));
    var name = h("span", "nm");
    name.textContent = item.name;
    item.status = h("span", "", { "data-testid": "attachment-status" });
    el.appendChild(h("div", "cx", null, [name, item.status]));
    var remove = h("button", "rm", { type: "button", "data-testid": "attachment-remove" }, [icon(I_CLOSE, 14)]);
    bind(remove, "att_remove", "aria-label", { name: item.name });
    remove.addEventListener("click", function () { dropFile(item); E.input.focus(); });
    el.appendChild(remove);
    paintChip(item);
    return el;
  }

  function paintChip(item) {
    var st = item.status;
    st.textContent = "";
    st.className = "";
    item.el.toggleAttribute("data-error", item.state === "error");
    item.el.setAttribute("data-state", item.state);
    if (item.state === "uploading") {
      st.className = "pg";
      st.setAttribute("role", "progressbar");
      st.setAttribute("aria-valuemin", "0");
      st.setAttribute("aria-valuemax", "100");
      st.setAttribute("aria-valuenow", String(Math.round(item.progress * 100)));
      bind(st, "att_uploading", "aria-label");
      // Through the CSSOM, never a style attribute: a host page's strict CSP allows only that.
      st.appendChild(h("i")).style.width = Math.round(item.progress * 100) + "%";
      return;
    }
    st.removeAttribute("role");
    st.removeAttribute("aria-label");
    bind(st, item.state === "error" ? item.error : "att_ready", "", fileVars(item.error));
  }

  // The number a refusal names: the size limit in MB, or how many files a message may carry.
  function fileVars(key) {
    return { n: key === "att_too_large" ? Math.round(S.fileMax.bytes / 104857.6) / 10 : S.fileMax.count };
  }

  function fileFailed(item, key) {
    item.state = "error";
    item.error = key;
    paintChip(item);
    announce(item.name + ": " + t(key, fileVars(key)));
    onInput();
  }

  function upload(item, retried) {
    withToken().then(function (token) {
      if (item.state !== "uploading") return;
      var xhr = item.xhr = new XMLHttpRequest();
      xhr.open("POST", cfg.origin + "/api/widget/attachments");
      xhr.setRequestHeader("Authorization", "Bearer " + token);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && item.state === "uploading") { item.progress = e.loaded / e.total; paintChip(item); }
      };
      xhr.onload = function () {
        var j = null;
        try { j = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201 && j && typeof j.id === "string" && typeof j.token === "string") {
          item.state = "ready";
          item.att = j;
          paintChip(item);
          onInput();
        } else if (xhr.status === 401 && !retried) {
          S.tokenAt = 0; // expired: a fresh session token, then once more
          upload(item, true);
        } else fileFailed(item, FILE_ERRORS[j && j.error] || "att_failed");
      };
      xhr.onerror = function () { fileFailed(item, "att_failed"); };
      var form = new FormData();
      form.append("file", item.file, item.name);
      xhr.send(form);
    }).catch(function () { fileFailed(item, "att_failed"); });
  }

  function withToken() {
    if (S.token && Date.now() - S.tokenAt < (S.expiresIn - 60) * 1000) return Promise.resolve(S.token);
    return session().then(function () { return S.token; });
  }

  // An attachment's bytes, fetched once per page with the session token, as a blob URL.
  function blobUrl(a) {
    if (!S.blobs[a.id]) {
      S.blobs[a.id] = withToken().then(function (token) {
        return win.fetch(cfg.origin + "/api/widget/attachments/" + encodeURIComponent(a.token), {
          mode: "cors", credentials: "omit", headers: { Authorization: "Bearer " + token }
        });
      }).then(function (r) {
        if (!r.ok) throw new Error("attachment " + r.status);
        return r.blob();
      }).then(function (b) { return URL.createObjectURL(b); });
      S.blobs[a.id].catch(function () { delete S.blobs[a.id]; });
    }
    return S.blobs[a.id];
  }

  function filesEl(list) {
    var box = h("div", "files", { "data-testid": "attachments" });
    list.slice(0, 20).forEach(function (a) {
      if (!a || typeof a !== "object" || typeof a.id !== "string" || typeof a.token !== "string") return;
      var name = typeof a.name === "string" ? a.name.slice(0, 200) : "";
      var image = /^image\/(jpeg|png|gif|webp)$/.test(String(a.content_type));
      var link = h("a", image ? "" : "doc", { href: "#", "data-testid": image ? "attachment-image" : "attachment-file" });
      bind(link, "att_open", "title", { name: name });
      var ready = false;
      if (image) {
        var img = link.appendChild(h("img", "", { alt: name }));
        blobUrl(a).then(function (url) {
          img.src = url;
          link.href = url;
          link.target = "_blank";
          link.rel = "noopener";
          ready = true;
        }, function () { /* the alt text stays */ });
      } else {
        link.appendChild(icon(I_DOC, 18));
        link.appendChild(h("span")).textContent = name;
        if (typeof a.size === "number") link.appendChild(h("small")).textContent = fileSize(a.size);
      }
      link.addEventListener("click", function (e) {
        if (image && ready) return;
        e.preventDefault();
        if (image) return;
        // A PDF is saved, never opened inside the host page.
        blobUrl(a).then(function (url) {
          var save = doc.createElement("a");
          save.href = url;
          save.download = name || "attachment.pdf";
          save.rel = "noopener";
          save.click();
        }, function () { notice("att_failed"); });
      });
      box.appendChild(link);
    });
    return box;
  }

  function fileSize(bytes) {
    var units = ["byte", "kilobyte", "megabyte"], value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    try {
      return new Intl.NumberFormat(S.lang, {
        style: "unit", unit: units[unit], unitDisplay: unit ? "short" : "long", maximumFractionDigits: unit ? 1 : 0
      }).format(value);
    } catch (e) { return Math.round(value) + " " + ["B", "KB", "MB"][unit]; }
  }

  function requestHandoff() {
    if (!S.welcomed) return;
    S.handoffSent = true;
    frame({ type: "handoff" });
    renderHandoff();
    E.input.focus();
  }

  function frame(obj) {
    if (S.ws && S.ws.readyState === 1) {
      try { S.ws.send(JSON.stringify(obj)); return true; } catch (e) { /* closing */ }
    }
    return false;
  }

  function liveFlag(on) { if (on) sset(scope() + "live", "1"); else sdel(scope() + "live"); }

  /* ------------------------------------------------------------- typing & csat */

  function showTyping(author, active) {
    var kind = author && author.kind;
    if (kind !== "assistant" && kind !== "agent") return; // the customer's own other tabs
    if (!active) { if (S.typingKind === kind) hideTyping(); return; }
    var name = typeof author.name === "string" ? author.name.slice(0, 80) : "";
    S.typingKind = kind;
    E.typingText.textContent = kind === "agent" ? t("typing", { name: name || t("agent") }) : t("thinking");
    E.typing.setAttribute("data-kind", kind);
    changeList(function () { E.typing.hidden = false; });
    clearTimeout(S.typingHide);
    S.typingHide = setTimeout(hideTyping, 30000); // never stuck if the "stopped" event is lost
  }

  function hideTyping() {
    clearTimeout(S.typingHide);
    S.typingKind = "";
    E.typing.hidden = true;
  }

  function showCsat() {
    if (S.csatEl || !S.conv || S.conv.rated) return;
    var score = 0;
    var card = S.csatEl = h("div", "csat", { "data-testid": "csat", role: "group", "aria-labelledby": "aw-csat-t" });
    card.appendChild(bind(h("p", "", { id: "aw-csat-t" }), "rate_title"));
    var stars = card.appendChild(h("div", "stars"));
    var buttons = [];
    function paint(n) { buttons.forEach(function (b, i) { b.classList.toggle("on", i < n); }); }
    for (var n = 1; n <= 5; n++) {
      var b = h("button", "star", { type: "button", "data-testid": "rating-" + n, "data-score": String(n), "aria-pressed": "false" });
      b.textContent = "★";
      bind(b, "star", "aria-label", { n: n });
      b.addEventListener("click", choose.bind(null, n));
      b.addEventListener("pointerenter", paint.bind(null, n));
      b.addEventListener("pointerleave", function () { paint(score); });
      buttons.push(stars.appendChild(b));
    }
    var comment = h("textarea", "", { "data-testid": "csat-comment", maxlength: String(MAX_COMMENT), rows: "2", hidden: "" });
    bind(comment, "comment", "aria-label");
    bind(comment, "comment", "placeholder");
    var submit = h("button", "pri", { type: "button", "data-testid": "csat-submit", disabled: "" });
    bind(submit, "submit");
    card.appendChild(comment);
    card.appendChild(submit);
    function choose(n) {
      score = n;
      paint(n);
      buttons.forEach(function (b, i) { b.setAttribute("aria-pressed", String(i + 1 === n)); });
      comment.hidden = false;
      submit.disabled = false;
    }
    submit.addEventListener("click", function () {
      if (!score) return;
      var msg = { type: "rate", score: score };
      var c = comment.value.trim().slice(0, MAX_COMMENT);
      if (c) msg.comment = c;
      if (!frame(msg)) { notice("error"); return; }
      if (S.conv) S.conv.rated = true;
      card.textContent = "";
      card.setAttribute("data-done", "true");
      card.appendChild(bind(h("p"), "thanks"));
      announce(t("thanks"));
    });
    changeList(function () { E.list.appendChild(card); });
  }

  function dropCsat() { if (S.csatEl) { S.csatEl.remove(); S.csatEl = null; } }

  /* ------------------------------------------------------------ conversation */

  function switchConversation(c) {
    // seq numbers belong to one conversation: a new one starts its own list.
    S.seqs = {};
    S.maxSeq = 0;
    S.resumeFor = -1;
    S.handoffSent = false;
    dropCsat();
    var pending = [];
    for (var id in S.pending) if (S.pending.hasOwnProperty(id)) pending.push(S.pending[id].el);
    if (E.box.querySelector("[data-seq]")) {
      E.list.appendChild(bind(h("div", "div", { role: "separator" }), "new_conv"));
      newBox(c.id);
    } else E.box.setAttribute("data-conversation", String(c.id));
    pending.forEach(function (el) { E.box.appendChild(el); });
    S.conv = { id: c.id };
    S.seen = parseInt(sget(P + "seen:" + c.id), 10) || 0;
  }

  function setConversation(c, live) {
    if (!c || typeof c !== "object" || c.id == null) return;
    var prev = S.conv && S.conv.id != null && String(S.conv.id) === String(c.id) ? S.conv : null;
    if (!prev) {
      if (S.conv && S.conv.id != null) switchConversation(c);
      else {
        S.conv = { id: c.id };
        E.box.setAttribute("data-conversation", String(c.id));
        S.seen = parseInt(sget(P + "seen:" + c.id), 10) || 0;
      }
    }
    var before = prev ? { state: prev.state, agent: prev.agent } : null;
    S.conv.state = typeof c.state === "string" ? c.state : S.conv.state;
    S.conv.rated = !!c.rated;
    var agent = typeof c.agent === "string" && c.agent ? c.agent.slice(0, 80) : null;
    S.conv.agent = agent;
    S.agent = agent;
    // The conversation's language, identified from what the customer writes, wins over the
    // browser's: the widget speaks the language the customer chats in.
    if (typeof c.language === "string" && c.language && pickLang(c.language) !== S.lang) setLanguage(c.language);
    if (S.conv.state !== "bot") S.handoffSent = false;
    if (S.conv.state === "resolved" && !S.conv.rated) showCsat();
    if (S.conv.rated && S.csatEl && !S.csatEl.hasAttribute("data-done")) dropCsat();
    liveFlag(S.conv.state !== "resolved");
    renderHeader();
    renderHandoff();
    renderEmail();
  }

  /* ------------------------------------------------------------ connection */

  function start() {
    if (S.started || !S.ready || S.booting) return;
    S.started = true;
    connect();
  }

  function connect() {
    if (S.stopped || S.ws || S.connecting || !S.started) return;
    clearTimeout(S.timer);
    S.connecting = true;
    setConn("connecting");
    var gen = S.gen;
    var fresh = S.token && Date.now() - S.tokenAt < (S.expiresIn - 120) * 1000;
    (fresh ? Promise.resolve() : session()).then(function () {
      if (gen !== S.gen) return;
      openSocket(gen);
    }, function (err) {
      if (gen !== S.gen) return;
      S.connecting = false;
      if (err.code === "invalid_identity") {
        warn("identify(): the hash does not match this id; continuing anonymously");
        S.identity = null;
        S.gen++;
        resetConversationUI();
        connect();
      } else if (err.code === "origin_not_allowed") stop("blocked");
      else if (err.code === "unknown_inbox" || err.code === "bad_request") { warn("session: " + err.code); stop("unavailable"); }
      else { setConn("closed"); retryLater(err.retryAfter); }
    });
  }

  function session() {
    var body = { inbox: cfg.inbox };
    if (S.langTag) body.language = S.langTag;
    // When the team is back is told in the visitor's own time.
    try { body.time_zone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined; } catch (e) { /* old browser */ }
    if (S.identity) {
      body.identity = S.identity;
      if (S.visitorMem) body.visitor = S.visitorMem;
    } else {
      var v = sget(P + "visitor");
      if (v) body.visitor = v;
    }
    return win.fetch(cfg.origin + "/api/widget/session", {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok && j && typeof j.token === "string") return j;
        var e = new Error("session " + r.status);
        e.code = j && j.error;
        var ra = parseInt(r.headers.get("Retry-After") || (j && j.retry_after), 10);
        if (ra > 0) e.retryAfter = ra;
        throw e;
      });
    }).then(function (j) {
      S.token = j.token;
      S.tokenAt = Date.now();
      S.expiresIn = +j.expires_in > 0 ? +j.expires_in : 3600;
      S.wsPath = typeof j.ws_url === "string" && /^\/[^/\\]/.test(j.ws_url) ? j.ws_url : "/ws/widget/";
      if (typeof j.visitor === "string" && j.visitor.length < 1024) {
        // An identified customer's secret stays in memory: the host page identifies them on each
        // load, and a shared computer must not hand their history to the next anonymous visitor.
        if (S.identity) S.visitorMem = j.visitor; else sset(P + "visitor", j.visitor);
      }
      if (j.inbox && typeof j.inbox === "object") {
        setInbox(j.inbox);
        sset(P + "inbox", JSON.stringify(S.inbox));
      }
      if (j.contact && typeof j.contact.email === "string") S.email = j.contact.email;
      if (j.attachments && typeof j.attachments === "object") {
        if (+j.attachments.max_bytes > 0) S.fileMax.bytes = +j.attachments.max_bytes;
        if (+j.attachments.max_files > 0) S.fileMax.count = +j.attachments.max_files;
      }
      if (j.team && typeof j.team === "object") setTeam(j.team);
    });
  }

  function openSocket(gen) {
    var url = cfg.origin.replace(/^http/, "ws") + S.wsPath;
    var sock;
    try { sock = new WebSocket(url); } catch (e) { S.connecting = false; setConn("closed"); retryLater(); return; }
    S.ws = sock;
    S.connecting = false;
    S.welcomed = false;
    sock.onopen = function () {
      if (S.ws !== sock) return;
      S.lastRx = Date.now();
      // If a gap we asked about is still open, resume from before it so that it is not skipped.
      var from = S.resumeFor >= 0 && !S.seqs[S.resumeFor + 1] ? S.resumeFor : S.maxSeq;
      sock.send(JSON.stringify({ type: "hello", token: S.token, last_seq: from }));
    };
    sock.onmessage = function (ev) {
      if (S.ws !== sock || gen !== S.gen) return;
      S.lastRx = Date.now();
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && typeof msg === "object" && typeof msg.type === "string") {
        try { dispatch(msg); } catch (e) { warn("could not handle " + msg.type + ": " + e); }
      }
    };
    sock.onclose = function (ev) { if (S.ws === sock) lost(ev.code); };
  }

  function lost(code) {
    S.ws = null;
    S.welcomed = false;
    S.connecting = false;
    clearInterval(S.pingTimer);
    hideTyping();
    setConn("closed");
    renderHandoff();
    if (code === 4403) return stop("blocked");
    // 4410: the contact's data was erased. Forget the visitor secret, the outbox and the
    // transcript on screen, and start again as a new visitor.
    if (code === 4410) return reset();
    if (code === 4401) {
      S.token = null;
      // The first 4401 is an expired token: fetch a new one at once. Repeats back off.
      if (S.authFails++ === 0) return connect();
    }
    retryLater();
  }

  function retryLater(seconds) {
    if (S.stopped || !S.started) return;
    clearTimeout(S.timer);
    var cap = Math.min(30000, 1000 * Math.pow(2, S.attempt));
    S.attempt = Math.min(S.attempt + 1, 10);
    var delay = seconds ? seconds * 1000 : cap / 2 + Math.random() * cap / 2;
    S.timer = setTimeout(connect, delay);
  }

  function stop(key) {
    S.stopped = key;
    clearTimeout(S.timer);
    clearInterval(S.pingTimer);
    if (S.ws) { var s = S.ws; S.ws = null; try { s.close(1000); } catch (e) { /* ignore */ } }
    setConn("stopped");
    E.input.disabled = true;
    onInput();
    renderHandoff();
  }

  function disconnect() {
    S.gen++;
    clearTimeout(S.timer);
    clearInterval(S.pingTimer);
    if (S.ws) { var s = S.ws; S.ws = null; try { s.close(1000); } catch (e) { /* ignore */ } }
    S.connecting = false;
    S.welcomed = false;
    S.started = false;
    S.attempt = 0;
    S.authFails = 0;
    S.token = null;
    setConn("idle");
  }

  function keepAlive() {
    clearInterval(S.pingTimer);
    S.pingTimer = setInterval(function () {
      if (!S.ws) return;
      // A socket that has heard nothing for this long is half-open (a sleeping laptop, a dead
      // proxy): drop it and reconnect rather than wait for TCP to notice.
      if (Date.now() - S.lastRx > SILENCE_LIMIT) {
        var s = S.ws;
        lost(1006);
        try { s.close(); } catch (e) { /* ignore */ }
        return;
      }
      probe();
    }, PING_EVERY);
  }

  // A ping the server must answer within PONG_WAIT: a socket that stays quiet is dead (the
  // network went away without the browser noticing) and is replaced, so the customer is told
  // within seconds rather than after SILENCE_LIMIT.
  function probe() {
    var sock = S.ws, sent = Date.now();
    if (!sock || !S.welcomed) return;
    frame({ type: "ping" });
    clearTimeout(S.pongTimer);
    S.pongTimer = setTimeout(function () {
      if (S.ws !== sock || S.lastRx >= sent) return;
      lost(1006);
      try { sock.close(); } catch (e) { /* ignore */ }
    }, PONG_WAIT);
  }

  function reconnectNow() {
    if (!S.started || S.stopped || S.ws || S.connecting) return;
    S.attempt = 0;
    connect();
  }

  /* --------------------------------------------------------------- protocol */

  function dispatch(m) {
    switch (m.type) {
      case "welcome": return onWelcome(m);
      case "ack":
        if (typeof m.client_id === "string" && S.pending[m.client_id]) {
          var p = S.pending[m.client_id];
          addMessage({ seq: m.seq, client_id: m.client_id, author: { kind: "customer" }, text: p.text, attachments: p.files }, true);
        } else if (typeof m.client_id === "string") outboxDel(m.client_id);
        return;
      case "message": return addMessage(m.message, true);
      case "stream_start": return streamStart(m);
      case "stream_delta": return streamDelta(m);
      case "stream_end": return streamEnd(m);
      case "typing": return showTyping(m.author, !!m.active);
      case "state":
        // A change of language brings the server's own texts again, in the new language.
        if (typeof m.greeting === "string") setGreeting(m.greeting);
        if (m.team && typeof m.team === "object") setTeam(m.team);
        return setConversation(m.conversation, true);
      case "csat_request":
        if (S.conv && (m.conversation_id == null || String(m.conversation_id) === String(S.conv.id))) {
          S.conv.rated = false;
          showCsat();
        }
        return;
      case "error": return onError(m);
      case "action_confirm": return showActionCard(m);
      default: return; // pong, and types added later
    }
  }

  function onWelcome(m) {
    var c = m.conversation && typeof m.conversation === "object" ? m.conversation : null;
    // Partial answers from before a disconnect are never completed by deltas; the stored answer
    // arrives as a message.
    for (var id in S.streams) if (S.streams.hasOwnProperty(id)) dropStream(id);
    if (c) setConversation(c, S.everOpen);
    var list = Array.isArray(m.messages) ? m.messages : [];
    list.forEach(function (x) { addMessage(x, false); });
    (Array.isArray(m.action_cards) ? m.action_cards : []).forEach(showActionCard);
    if (typeof m.agent === "string" && m.agent && S.conv) { S.agent = S.conv.agent = m.agent.slice(0, 80); renderHeader(); }
    S.welcomed = true;
    S.everOpen = true;
    S.attempt = 0;
    S.authFails = 0;
    setConn("open");
    keepAlive();
    flushOutbox();
    recountUnread();
    onInput();
    renderHandoff();
  }

  function onError(m) {
    var code = typeof m.code === "string" ? m.code : "error";
    var cid = typeof m.client_id === "string" ? m.client_id : null;
    var p = cid && S.pending[cid];
    if (code === "rate_limited") {
      var wait = Math.max(1, Math.min(600, parseInt(m.retry_after, 10) || 5));
      notice("rate_limited", { n: wait });
      if (p) setTimeout(function () { if (S.pending[cid] && S.welcomed) flushOutbox(); }, wait * 1000);
      return;
    }
    if (code === "too_long" && p) {
      p.el.remove();
      delete S.pending[cid];
      outboxDel(cid);
      if (!E.input.value) { E.input.value = p.text; onInput(); }
      return notice("too_long");
    }
    if ((code === "unknown_attachment" || code === "too_many") && p) {
      // The files cannot go with this message: it is taken back, its words return to the box.
      p.el.remove();
      delete S.pending[cid];
      outboxDel(cid);
      if (!E.input.value && p.text) { E.input.value = p.text; onInput(); }
      return notice(FILE_ERRORS[code], fileVars(FILE_ERRORS[code]));
    }
    if (code === "budget_exhausted") return notice("budget_exhausted");
    if (code === "action_unavailable") return notice("action_unavailable");
    if (code === "invalid_email") { S.email = ""; renderEmail(); return notice("email_invalid"); }
    if (code === "conversation_resolved") { dropCsat(); return notice("conversation_resolved"); }
    if (p) { failPending(cid); return notice("invalid"); }
    if (code === "invalid" || code === "bad_json" || code === "unknown_type") warn("server refused a frame: " + code);
    notice("error");
  }

  function streamStart(m) {
    var id = String(m.stream_id);
    if (S.streams[id]) return;
    var author = m.author && typeof m.author === "object" ? m.author : { kind: "assistant" };
    var kind = KINDS.hasOwnProperty(author.kind) ? author.kind : "assistant";
    if (S.typingKind === kind) hideTyping();
    var el = messageEl(kind, typeof author.name === "string" ? author.name.slice(0, 80) : "");
    el.setAttribute("data-stream", id);
    bubble(el).setAttribute("aria-busy", "true");
    S.streams[id] = { el: el, text: "", kind: kind, raf: 0, last: Date.now() };
    changeList(function () { E.box.appendChild(el); });
  }

  function streamDelta(m) {
    var s = S.streams[String(m.stream_id)];
    if (!s || typeof m.text !== "string") return;
    s.text += m.text;
    s.last = Date.now();
    // Re-render the Markdown of the whole text at most once per frame, not once per token.
    if (!s.raf) s.raf = requestAnimationFrame(function () { s.raf = 0; renderStream(s); });
  }

  function renderStream(s) {
    changeList(function () {
      var bub = bubble(s.el);
      bub.textContent = "";
      markdown(s.text, bub);
    });
  }

  function streamEnd(m) {
    var id = String(m.stream_id), s = S.streams[id];
    delete S.streams[id];
    if (s && s.raf) cancelAnimationFrame(s.raf);
    if (m.message && typeof m.message === "object") addMessage(m.message, true, s && s.el);
    else if (s) {
      renderStream(s);
      s.el.removeAttribute("data-stream");
      bubble(s.el).removeAttribute("aria-busy");
    }
  }

  // A stored answer that arrives as a plain message (its stream_end was lost, or came by resume)
  // takes the place of the streamed bubble it completes, instead of appearing twice.
  function adoptStream(kind, text) {
    var now = Date.now();
    for (var id in S.streams) {
      var s = S.streams[id];
      if (S.streams.hasOwnProperty(id) && s.kind === kind && ((s.text && text.indexOf(s.text) === 0) || now - s.last > 3000)) {
        delete S.streams[id];
        if (s.raf) cancelAnimationFrame(s.raf);
        return s.el;
      }
    }
    return null;
  }

  function dropStream(id) {
    var s = S.streams[id];
    delete S.streams[id];
    if (s) { if (s.raf) cancelAnimationFrame(s.raf); s.el.remove(); }
  }

  /* ---------------------------------------------------- action confirmation card */

  // A change the assistant would make for the customer (a new delivery address, a return) runs
  // only after their click here. The card's buttons go under the message that states the change
  // (its seq); the server runs the call once, whatever is clicked twice (docs/widget-protocol.md).
  function showActionCard(m) {
    if (!m || typeof m.call_id !== "string" || typeof m.seq !== "number") return;
    if (S.cards[m.call_id]) return;
    S.cards[m.call_id] = { seq: m.seq, el: null };
    attachActionCard(m.seq);
  }

  function attachActionCard(seq) {
    for (var id in S.cards) {
      if (!S.cards.hasOwnProperty(id) || S.cards[id].seq !== seq || S.cards[id].el) continue;
      var host = E.box.querySelector('.msg[data-seq="' + seq + '"]');
      if (!host) return; // the message arrives later (or by resume); attached then
      S.cards[id].el = actionButtons(id);
      changeList(function () { host.appendChild(S.cards[id].el); });
    }
  }

  function actionButtons(callId) {
    var ok = bind(h("button", "ok", { type: "button", "data-testid": "action-confirm" }), "action_confirm");
    var no = bind(h("button", "no", { type: "button", "data-testid": "action-cancel" }), "action_cancel");
    var box = h("div", "act", { role: "group", "data-testid": "action-card" }, [ok, no]);
    bind(box, "action_label", "aria-label");
    function decide(decision) {
      if (!frame({ type: "action_decision", call_id: callId, decision: decision })) return notice("error");
      box.textContent = "";
      box.appendChild(bind(h("span", "done", { "data-testid": "action-decided" }),
        decision === "confirm" ? "action_confirmed" : "action_cancelled"));
    }
    ok.addEventListener("click", function () { decide("confirm"); });
    no.addEventListener("click", function () { decide("cancel"); });
    return box;
  }

  /* ------------------------------------------------------------ identity, reset */

  function resetConversationUI() {
    for (var id in S.streams) if (S.streams.hasOwnProperty(id)) dropStream(id);
    var boxes = E.list.children;
    for (var i = boxes.length - 1; i >= 0; i--) if (boxes[i] !== E.top) boxes[i].remove();
    newBox(null);
    S.csatEl = null;
    S.conv = null;
    S.agent = null;
    S.seqs = {};
    S.maxSeq = 0;
    S.resumeFor = -1;
    S.seen = 0;
    S.unread = 0;
    S.pending = {};
    clearTray();
    S.cards = {};
    S.handoffSent = false;
    hideTyping();
    renderBadge();
    renderHeader();
    renderHandoff();
    outbox().forEach(addPending);
  }

  function identify(o) {
    if (!o || typeof o !== "object" || o.id == null || String(o.id) === "" || typeof o.hash !== "string") {
      warn("identify() needs {id, hash}");
      return;
    }
    var who = { id: String(o.id).slice(0, 255), hash: o.hash };
    if (typeof o.name === "string" && o.name) who.name = o.name.slice(0, 255);
    if (typeof o.email === "string" && o.email) who.email = o.email.slice(0, 255);
    var same = S.identity && S.identity.id === who.id && S.identity.hash === who.hash;
    S.identity = who;
    if (same || S.booting) return;
    switchContact();
  }

  function switchContact() {
    var wasStarted = S.started;
    disconnect();
    S.visitorMem = null;
    S.stopped = null;
    E.input.disabled = false;
    resetConversationUI();
    if (wasStarted || S.open || sget(scope() + "live") || outbox().length) start();
  }

  function reset() {
    // For a host page's log-out: forget this browser's visitor secret and everything stored.
    var keys = [];
    try {
      for (var i = 0; i < win.localStorage.length; i++) {
        var k = win.localStorage.key(i);
        if (k && k.indexOf(P) === 0) keys.push(k);
      }
    } catch (e) { /* storage unavailable */ }
    keys.forEach(sdel);
    for (var m in mem) if (m.indexOf(P) === 0) delete mem[m];
    S.identity = null;
    if (S.booting) return;
    var wasOpen = S.open;
    disconnect();
    S.visitorMem = null;
    S.stopped = null;
    E.input.disabled = false;
    resetConversationUI();
    if (wasOpen) start();
  }

  /* --------------------------------------------------------------- public API */

  function publish() {
    var queue = Array.isArray(api.q) ? api.q.slice() : [];
    api.q = [];
    api.identify = identify;
    api.open = function () { setOpen(true, true); };
    api.close = function () { setOpen(false, !!E.shadow.activeElement); };
    api.setLanguage = function (code) { if (code) setLanguage(code); };
    api.reset = reset;
    api.onReady = function (cb) {
      if (typeof cb !== "function") return;
      if (S.ready) { try { cb(api); } catch (e) { warn("onReady callback threw: " + e); } }
      else S.readyCbs.push(cb);
    };
    api.version = "1";
    api.__debug = {};
    var dbg = {
      state: function () { return S.conn; },
      open: function () { return S.open; },
      lastSeq: function () { return S.maxSeq; },
      conversation: function () { return S.conv ? { id: S.conv.id, state: S.conv.state, agent: S.conv.agent, rated: S.conv.rated } : null; },
      language: function () { return S.lang; },
      pending: function () { return Object.keys(S.pending); },
      unread: function () { return S.unread; },
      root: function () { return E.shadow; },
      // Renders text the way an assistant or agent message is rendered, into a detached element.
      render: function () { return function (text) { var el = h("div"); markdown(text, el); return el; }; }
    };
    Object.keys(dbg).forEach(function (k) { Object.defineProperty(api.__debug, k, { get: dbg[k], enumerable: true }); });
    return queue;
  }

  function boot() {
    if (!doc.body) { doc.addEventListener("DOMContentLoaded", boot); return; }
    var queue = publish();
    S.langTag = cfg.language || (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    S.lang = pickLang(S.langTag);
    build();
    setLanguage(S.langTag);
    S.ready = true;
    // Calls made before the widget loaded run now, in order: identify() decides which contact the
    // first session is for, so nothing connects until the queue is drained.
    queue.forEach(function (call) {
      var fn = call && api[call[0]];
      if (typeof fn === "function") { try { fn.apply(api, call[1] || []); } catch (e) { warn(call[0] + "() threw: " + e); } }
    });
    S.booting = false;
    outbox().forEach(addPending);
    if (S.open) start();
    // Connect at once only when there is something to show: a conversation still going, unsent
    // messages, or a panel left open on the previous page. Otherwise wait for the first open, so
    // that page views do not each hold a WebSocket.
    if (!S.open && tabGet(P + "open")) setOpen(true, false);
    if (!S.started && (sget(scope() + "live") || outbox().length)) start();
    // Back online: check at once that the socket survived (or open a new one).
    win.addEventListener("online", function () { renderStatus(); probe(); reconnectNow(); });
    win.addEventListener("offline", renderStatus);
    doc.addEventListener("visibilitychange", function () { if (!doc.hidden) reconnectNow(); });
    var cbs = S.readyCbs;
    S.readyCbs = [];
    cbs.forEach(function (cb) { api.onReady(cb); });
  }

  boot();
})(window, document);
