// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
});
