import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type {} from "moments-widget/react";
import type { MomentsRedeemEvent, MomentsWidgetElement } from "moments-widget";

type Member = "alice" | "bob";
type Props = { tokens: Record<Member, string | undefined>; idleTimeout?: string };

// Routes in the address's fragment, so the built app runs from any folder.
const subscribe = (onChange: () => void) => {
  addEventListener("hashchange", onChange);
  return () => removeEventListener("hashchange", onChange);
};
const useRoute = () => useSyncExternalStore(subscribe, () => location.hash.replace(/^#/, "") || "/");

export function App({ tokens, idleTimeout }: Props) {
  const route = useRoute();
  const [member, setMember] = useState<Member>("alice");
  const [redeemed, setRedeemed] = useState<string[]>([]);
  const onRedeem = (event: MomentsRedeemEvent) => setRedeemed((list) => [...list, `${event.detail.reward} (${event.detail.points} points)`]);
  return (
    <>
      <nav>
        <a href="#/">Shop</a> · <a href="#/support">Support</a> · <a href="#/about">About</a> ·{" "}
        <button type="button" onClick={() => setMember(member === "alice" ? "bob" : "alice")}>
          Sign in as {member === "alice" ? "Bob" : "Alice"}
        </button>
      </nav>
      <p className="member">Signed in as {member}</p>
      {route === "/" && <Shop token={tokens[member]} idleTimeout={idleTimeout} onRedeem={onRedeem} />}
      {route === "/support" && <Support token={tokens[member]} idleTimeout={idleTimeout} />}
      {route === "/about" && <h1>About Harbor &amp; Pine</h1>}
      {redeemed.length > 0 && (
        <ul className="redeemed">
          {redeemed.map((line, i) => (
            <li key={i}>Redeemed: {line}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function Shop({ token, idleTimeout, onRedeem }: { token?: string; idleTimeout?: string; onRedeem: (event: MomentsRedeemEvent) => void }) {
  const widget = useRef<MomentsWidgetElement>(null);
  return (
    <main>
      <h1>Harbor &amp; Pine</h1>
      {/* Counted in reports; points for an order come from the shop's backend (a signed proof). */}
      <button type="button" onClick={() => widget.current?.track("purchase", { value: 80 })}>
        Place order
      </button>
      <button type="button" onClick={() => widget.current?.endSession()}>
        Done shopping
      </button>
      <moments-widget ref={widget} member-token={token} idle-timeout={idleTimeout} onmoments:redeem={onRedeem} />
    </main>
  );
}

function Support({ token, idleTimeout }: { token?: string; idleTimeout?: string }) {
  const widget = useRef<MomentsWidgetElement>(null);
  // Safe to run twice (StrictMode does in development): the last context wins.
  useEffect(() => widget.current?.setContext({ topic: "returns", ticket: "T-1042" }), []);
  return (
    <main>
      <h1>Returns</h1>
      <button type="button" onClick={() => widget.current?.endSession()}>
        Close the chat
      </button>
      <moments-widget ref={widget} member-token={token} idle-timeout={idleTimeout} />
    </main>
  );
}
