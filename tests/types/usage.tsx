// What an app may write: must compile under `tsc --strict` (tests/types.test.mjs).
import type {} from "moments-widget/react";
import { load, type MomentsRedeemEvent, type MomentsWidgetElement } from "moments-widget";

export async function start(): Promise<void> {
  const Widget = await load({ backend: "https://moments.example.com", site: "shop" });
  const element: MomentsWidgetElement = new Widget();
  document.body.append(element);
}

export function wire(): void {
  // The tag name alone gives the element its type.
  const widget = document.querySelector("moments-widget");
  if (!widget) return;
  widget.track("purchase", { value: 80, proof: "signed-by-the-shop" });
  widget.track("newsletter");
  widget.setContext({ ticket: "T-1042", agent: "may" });
  widget.setContext(null);
  widget.endSession();
  widget.addEventListener("moments:redeem", (event) => {
    const reward: string = event.detail.reward;
    const points: number = event.detail.points;
    console.log(reward, points);
  });
  widget.addEventListener("moments:surprise", (event) => {
    if (event.detail.kind === "points") console.log(event.detail.points ?? 0);
  });
  widget.addEventListener("moments:feedback", (event) => console.log(event.detail + 1));
  widget.addEventListener("moments:error", (event) => console.log(event.detail.code, event.detail.message));
  widget.addEventListener("moments:tier-up", (event) => console.log(event.detail.tier.toUpperCase()));
  widget.addEventListener("click", (event) => console.log(event.clientX));
  const created: MomentsWidgetElement = document.createElement("moments-widget");
  created.setAttribute("site", "shop");
}

export function Badge({ token, onRedeem }: { token?: string; onRedeem: (event: MomentsRedeemEvent) => void }) {
  return (
    <moments-widget
      backend="https://moments.example.com"
      site="shop"
      member-token={token}
      theme="auto"
      position="bottom-left"
      idle-timeout="300"
      context='{"topic": "returns"}'
      className="loyalty"
      onmoments:redeem={onRedeem}
      onmoments:error={(event) => console.log(event.detail.code)}
      ref={(element) => element?.track("rendered")}
    />
  );
}
