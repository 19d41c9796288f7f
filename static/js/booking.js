/* Lumen Med Spa booking pages: small progressive enhancements.
   Everything works without this file; it only
   - scrolls the day strip (horizontal, on phones) so the chosen day is in view,
   - moves focus to the error summary after a refused submission, so it is seen and read,
   - stops a second submission of the same form while the first is on its way. */
(function () {
  "use strict";

  function showChosenDay() {
    var lists = document.querySelectorAll(".day-strip__list");
    Array.prototype.forEach.call(lists, function (list) {
      var chosen = list.querySelector(".day-chip.is-selected");
      if (!chosen || list.scrollWidth <= list.clientWidth) {
        return;
      }
      var item = chosen.parentElement;
      // The list is position: relative, so offsetLeft is measured inside it.
      var left = item.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
      list.scrollLeft = Math.max(0, left);
    });
  }

  function focusErrors() {
    var summary = document.getElementById("form-errors");
    if (!summary) {
      return;
    }
    // After "load": the browser's own jump to the form's #fragment would take the
    // focus away again if this ran earlier.
    var focus = function () {
      window.setTimeout(function () {
        summary.focus();
      }, 0);
    };
    if (document.readyState === "complete") {
      focus();
    } else {
      window.addEventListener("load", focus);
    }
  }

  function submitOnce() {
    var forms = document.querySelectorAll("form[data-once]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sending") === "1") {
          event.preventDefault();
          return;
        }
        // Not disabled: a disabled submitter would drop its name and value (the
        // "book this time instead" buttons carry the start).
        form.setAttribute("data-sending", "1");
        form.setAttribute("aria-busy", "true");
        if (event.submitter) {
          event.submitter.classList.add("is-sending");
        }
      });
    });
  }

  // Coming back with the Back button may restore a page that was mid-submission.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-sending]");
    Array.prototype.forEach.call(forms, function (form) {
      form.removeAttribute("data-sending");
      form.removeAttribute("aria-busy");
      var busy = form.querySelectorAll(".is-sending");
      Array.prototype.forEach.call(busy, function (button) {
        button.classList.remove("is-sending");
      });
    });
  });

  function start() {
    showChosenDay();
    focusErrors();
    submitOnce();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
