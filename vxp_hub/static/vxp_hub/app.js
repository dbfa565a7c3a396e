/* Progressive enhancement only: every page works without this file.
   - [data-copy="id"] buttons copy the text of element #id (they stay hidden without JS or
     without the Clipboard API; the text itself is selectable).
   - <time datetime> elements with data-local are rewritten in the viewer's time zone, with
     seconds; without JS they show the server's time (with its zone). */
(function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copy + "-status");
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function () { if (status) { status.textContent = "Copied to the clipboard."; } },
        function () { if (status) { status.textContent = "Could not copy: select the text and copy it by hand."; } }
      );
    });
  });
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
  });
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) { el.title = el.textContent.trim(); el.textContent = format.format(when); }
  });
})();
/* Token generation (see vxp_hub/views/general.py):
   - a form marked data-submit-once disables its button on the first submit, so a double
     click sends one POST, never two that race (the second would answer 409 and replace the
     page that shows the new token);
   - the page showing a new token replaces its history entry with the plain settings URL, so a
     reload is a GET (the token's status), not a re-POST answering "the token changed". */
(function () {
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) { event.preventDefault(); return; }
      form.dataset.submitted = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    });
  });
  var shown = document.getElementById("new-scim-token");
  if (shown && shown.dataset.reloadUrl && window.history.replaceState) {
    window.history.replaceState(null, "", shown.dataset.reloadUrl);
  }
})();
