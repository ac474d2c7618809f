// The district import page: show the plan of every school, or every problem (as text: nothing is parsed as HTML).
(function () {
  "use strict";
  var box = document.getElementById("upload");
  var outcome = document.getElementById("outcome"), plan = document.getElementById("plan");
  var problems = document.getElementById("problems");

  function show(detail) {
    var answer = detail.answer || {};
    plan.hidden = !answer.plan;
    plan.textContent = answer.plan || "";
    problems.textContent = "";
    (answer.problems || []).forEach(function (p) {
      var item = document.createElement("li");
      item.textContent = p;
      problems.appendChild(item);
    });
    problems.hidden = !(answer.problems || []).length;
    if (detail.status === 200) {
      outcome.textContent = answer.applied ? "已导入 " + answer.schools + " 所学校 imported"
                                           : "试运行：未做任何更改 dry run: nothing was changed";
    } else {
      outcome.textContent = answer.error || ("HTTP " + detail.status);
    }
  }
  box.addEventListener("uploaded", function (e) { show(e.detail); });
  box.addEventListener("refused", function (e) { show(e.detail); });
}());
