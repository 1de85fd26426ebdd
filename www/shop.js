// The shop's own script. An order is placed with the shop's backend, which answers with a
// proof it signed (here the demo server plays that backend at /demo/orders); the page hands
// the purchase and its proof to Moments, which may bring a surprise (the demo site's rule:
// 100 points for an order of 50 or more). Without the proof the purchase still counts in
// reports, but a visitor's console could not earn points with it.
const button = document.getElementById("place-order");
button?.addEventListener("click", async () => {
  button.disabled = true;
  const response = await fetch("/demo/orders", { method: "POST" });
  if (!response.ok) {
    button.disabled = false;
    return;
  }
  const order = await response.json();
  await customElements.whenDefined("moments-widget");
  document.querySelector("moments-widget").track("purchase", { value: order.value, proof: order.proof });
  button.textContent = "Order placed";
});
document.querySelector("moments-widget")?.addEventListener("moments:surprise", (event) => {
  console.info("moments:surprise", event.detail);
});
