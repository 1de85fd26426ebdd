// The shop's own script: an order tells Moments about the purchase, which may bring a
// surprise (the demo site's rule: 100 points for an order of 50 or more).
const button = document.getElementById("place-order");
button?.addEventListener("click", async () => {
  await customElements.whenDefined("moments-widget");
  document.querySelector("moments-widget").track("purchase", { value: 79 });
  button.disabled = true;
  button.textContent = "Order placed";
});
document.querySelector("moments-widget")?.addEventListener("moments:surprise", (event) => {
  console.info("moments:surprise", event.detail);
});
