/* Respondent pages: progressive enhancement only. Every page works without this file.
   The server decides visibility; this file applies what the autosave reply says. */
(function () {
  "use strict";

  function applyVisibility(form, detail) {
    var visible = new Set(detail.visible || []);
    var appeared = 0;
    form.querySelectorAll("[data-question]").forEach(function (box) {
      var show = visible.has(box.dataset.question);
      if (show && box.hidden) appeared += 1;
      box.hidden = !show;
    });
    var announcer = document.getElementById("survey-announcer");
    if (announcer && appeared) {
      announcer.textContent = appeared === 1
        ? "Er verscheen 1 bijkomende vraag."
        : "Er verschenen " + appeared + " bijkomende vragen.";
    }
    Object.keys(detail.rows || {}).forEach(function (code) {
      var rows = new Set(detail.rows[code]);
      var box = form.querySelector('[data-question="' + CSS.escape(code) + '"]');
      if (!box) return;
      box.querySelectorAll("[data-row]").forEach(function (row) {
        row.hidden = !rows.has(row.dataset.row);
      });
    });
    renumber(form);
    if (detail.question) {
      var box = form.querySelector('[data-question="' + CSS.escape(detail.question) + '"]');
      if (box) {
        box.classList.toggle("has-problem", !!detail.invalid);
        box.querySelectorAll("input:not([type=hidden]), textarea, select").forEach(function (input) {
          if (detail.invalid) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        });
      }
    }
  }

  // A save that went through answers 204 with this event instead of a fragment:
  // the revision the next save is based on, the status line and the progress.
  function applySaved(detail) {
    var code = detail.question;
    var revision = document.getElementById("rev-" + code);
    if (revision) revision.value = detail.revision;
    var feedback = document.getElementById("fb-" + code);
    if (feedback) {
      var note = document.createElement("span");
      note.className = "saved-status small text-success";
      note.textContent = detail.status;
      feedback.replaceChildren(note);
    }
    var progress = detail.progress;
    var bar = document.getElementById("progress-bar");
    if (progress && bar) {
      bar.max = progress.total || 1;
      bar.value = progress.done;
      bar.textContent = progress.percent + "%";
      var label = document.querySelector('label[for="progress-bar"]');
      if (label) label.textContent = progress.label;
    }
  }

  // Visible questions read 1, 2, 3... without gaps; the server numbers the page the
  // same way, so this only matters when an answer shows or hides a follow-up.
  function renumber(form) {
    var n = parseInt(form.dataset.firstNumber || "0", 10);
    if (!n) return;
    form.querySelectorAll("[data-question]").forEach(function (box) {
      var label = box.querySelector(".question-number");
      if (!label) return;
      label.textContent = n + ".";
      if (!box.hidden) n += 1;
    });
  }

  function exclusiveOptions(form) {
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "checkbox" || !input.checked) return;
      var group = form.querySelectorAll('input[type=checkbox][name="' + CSS.escape(input.name) + '"]');
      group.forEach(function (other) {
        if (other === input) return;
        if (input.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
          other.checked = false;
        }
      });
    }, true);
  }

  function otherInputs(form) {
    // Typing in an "other, specify" box selects its option.
    form.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.classList.contains("other-input") || !input.value) return;
      var option = input.closest(".option");
      var choice = option && option.querySelector("input.form-check-input");
      if (choice && !choice.checked) {
        choice.checked = true;
        choice.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function picker() {
    var box = document.querySelector("[data-picker]");
    var toggle = document.getElementById("id_is_coordinator");
    if (!box) return;
    if (toggle) {
      var sync = function () { box.hidden = !toggle.checked; };
      toggle.addEventListener("change", sync);
      sync();
    }
    var filter = box.querySelector("[data-picker-filter]");
    var count = box.querySelector("[data-picker-count]");
    var items = Array.prototype.slice.call(box.querySelectorAll("li[data-name]"));
    var update = function () {
      var term = (filter.value || "").trim().toLowerCase();
      var shown = 0;
      items.forEach(function (li) {
        var checked = li.querySelector("input:checked");
        var match = !term || li.dataset.name.indexOf(term) !== -1 || checked;
        li.hidden = !match;
        if (match) shown += 1;
      });
      var chosen = box.querySelectorAll("input:checked").length;
      count.textContent = term ? shown + " gemeenten gevonden, " + chosen + " gekozen." : chosen + " gekozen.";
    };
    filter.addEventListener("input", update);
    box.addEventListener("change", update);
    update();
  }

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary") || document.getElementById("page-check");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".section-form");
    if (form) {
      exclusiveOptions(form);
      otherInputs(form);
      // Tell the server which questions were on screen: an autosave still on its
      // way may reveal a follow-up after the click, and the mayor must see it
      // rather than be told it is still open.
      form.addEventListener("submit", function () {
        var shown = [];
        form.querySelectorAll("[data-question]").forEach(function (box) {
          if (!box.hidden) shown.push(box.dataset.question);
        });
        var input = form.querySelector('input[name="_shown"]');
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = "_shown";
          form.appendChild(input);
        }
        input.value = shown.join(",");
      });
      document.body.addEventListener("surveyVisibility", function (event) {
        applyVisibility(form, event.detail || {});
      });
      document.body.addEventListener("surveySaved", function (event) {
        applySaved(event.detail || {});
      });
      // A failed autosave must be visible: the answer is still in the page and is
      // saved by "Volgende" or "Opslaan en later verder".
      // A transient failure (busy server, dropped connection) is retried once
      // before the mayor hears of it; a refusal (400/403) is reported at once.
      var failed = function (event) {
        var box = event.target.closest && event.target.closest("[data-question]");
        var feedback = box && box.querySelector(".feedback");
        if (!feedback) return;
        var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
        if (status !== 400 && status !== 403 && box.dataset.retried !== "1") {
          box.dataset.retried = "1";
          window.setTimeout(function () { window.htmx.trigger(box, "change"); }, 1500);
          return;
        }
        feedback.textContent = "";
        var note = document.createElement("span");
        note.className = "save-failed small text-danger";
        if (status === 400 || status === 403) {
          note.textContent = event.detail.xhr.responseText.slice(0, 200);
        } else if (status) {
          note.textContent = "Niet opgeslagen door een fout op de server. Probeer opnieuw of klik op Volgende.";
        } else {
          note.textContent = "Niet opgeslagen: geen verbinding. Uw antwoord wordt bewaard wanneer u op Volgende klikt.";
        }
        feedback.appendChild(note);
      };
      document.body.addEventListener("htmx:afterRequest", function (event) {
        var box = event.target.closest && event.target.closest("[data-question]");
        if (box && event.detail && event.detail.successful) delete box.dataset.retried;
      });
      document.body.addEventListener("htmx:sendError", failed);
      document.body.addEventListener("htmx:responseError", failed);
    }
    picker();
    focusErrorSummary();
  });
})();
