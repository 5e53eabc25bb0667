/* Rescheduling by moving: a scheduled post dragged onto another day of the calendar keeps
   its time of day (Beijing time, as the page shows it) and is submitted through its own
   改期 form, so the server's rules and messages are the same as when the form is used by
   hand (the keyboard's and the phone's way, which stays on the page). */
(function () {
  "use strict";
  var table = document.querySelector("table.calendar");
  if (!table) { return; }
  var today = table.getAttribute("data-today") || "";
  var status = document.getElementById("calendar-status");
  var dragged = null;

  function dayOf(cell) { return cell && cell.getAttribute("data-date"); }

  function say(text) { if (status) { status.textContent = text; } }

  function movable(entry) { return entry.querySelector("form.reschedule input[name=at]"); }

  table.querySelectorAll(".entry.scheduled").forEach(function (entry) {
    if (!movable(entry)) { return; }
    entry.setAttribute("draggable", "true");
    entry.classList.add("movable");
    entry.addEventListener("dragstart", function (event) {
      dragged = entry;
      entry.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", entry.getAttribute("data-post-id"));
    });
    entry.addEventListener("dragend", function () {
      entry.classList.remove("dragging");
      dragged = null;
      table.querySelectorAll("td.drop-here").forEach(function (cell) {
        cell.classList.remove("drop-here");
      });
    });
  });

  function target(event) {
    var cell = event.target.closest ? event.target.closest("td[data-date]") : null;
    // Days before today cannot take a publication; the server would refuse it anyway.
    return dragged && cell && dayOf(cell) >= today ? cell : null;
  }

  table.addEventListener("dragover", function (event) {
    var cell = target(event);
    if (!cell) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    table.querySelectorAll("td.drop-here").forEach(function (other) {
      if (other !== cell) { other.classList.remove("drop-here"); }
    });
    cell.classList.add("drop-here");
  });

  table.addEventListener("drop", function (event) {
    var cell = target(event);
    if (!cell) { return; }
    event.preventDefault();
    var input = movable(dragged);
    var time = input.value.slice(11, 16);  // "YYYY-MM-DDTHH:MM": the time of day stays
    if (input.value.slice(0, 10) === dayOf(cell)) { return; }
    input.value = dayOf(cell) + "T" + time;
    say("正在改期到 " + dayOf(cell) + " " + time + "（北京时间）……");
    var form = input.form;
    form.requestSubmit(form.querySelector("button[value=schedule]"));
  });
}());
