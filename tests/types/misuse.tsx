// Mistakes the types must catch: each line after `@ts-expect-error` must fail to compile, or
// tsc reports the directive as unused (tests/types.test.mjs).
import type {} from "moments-widget/react";
import { load } from "moments-widget";

export function misuse(widget: HTMLElementTagNameMap["moments-widget"]): void {
  // @ts-expect-error a misspelt method
  widget.endsession();
  // @ts-expect-error a number where the event's name is due
  widget.track(42);
  // @ts-expect-error a value is a number, not text
  widget.track("purchase", { value: "80" });
  // @ts-expect-error a context's values are text
  widget.setContext({ ticket: 1042 });
  // @ts-expect-error setContext takes an object, not the attribute's JSON text
  widget.setContext('{"ticket": "T-1042"}');
  // @ts-expect-error a wrong event detail: a redemption has no score
  widget.addEventListener("moments:redeem", (event) => console.log(event.detail.score));
  // @ts-expect-error a wrong event detail: the feedback's detail is the score itself
  widget.addEventListener("moments:feedback", (event) => console.log(event.detail.score));
  // @ts-expect-error a listener typed for another event's detail
  widget.addEventListener("moments:tier-up", (event: CustomEvent<{ points: number }>) => console.log(event.detail.points));
  // @ts-expect-error load needs the backend
  void load({ site: "shop" });
}

export const wrongTheme = (
  // @ts-expect-error no such theme
  <moments-widget backend="https://moments.example.com" site="shop" theme="blue" />
);
export const numberSite = (
  // @ts-expect-error a number where a string is due
  <moments-widget backend="https://moments.example.com" site={42} />
);
export const wrongHandler = (
  // @ts-expect-error the redeem event's detail has no score
  <moments-widget site="shop" onmoments:redeem={(event) => console.log(event.detail.score)} />
);
export const unknownAttribute = (
  // @ts-expect-error a misspelt attribute (one without a dash: JSX lets any name with a dash through)
  <moments-widget sit="shop" />
);
