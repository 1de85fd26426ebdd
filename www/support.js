// The support portal's own script: closing a ticket ends the visit, so Moments may ask how
// it went. The element may not be defined yet when this runs.
const button = document.getElementById("close-ticket");
button?.addEventListener("click", async () => {
  await customElements.whenDefined("moments-widget");
  document.querySelector("moments-widget").endSession();
  button.disabled = true;
  button.textContent = "Ticket closed";
});
