// The support portal's own script: the portal knows which ticket this visit is about and who
// handled it, and tells the widget (answers carry it to the dashboard's Support page); closing
// the ticket ends the visit, so Moments may ask how it went. The element may not be defined
// yet when this runs.
customElements.whenDefined("moments-widget").then(() => {
  document.querySelector("moments-widget").setContext({ ticket: "T-1042", agent: "may", topic: "returns" });
});

const button = document.getElementById("close-ticket");
button?.addEventListener("click", async () => {
  await customElements.whenDefined("moments-widget");
  document.querySelector("moments-widget").endSession();
  button.disabled = true;
  button.textContent = "Ticket closed";
});
