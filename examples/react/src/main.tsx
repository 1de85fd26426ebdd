import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { load } from "moments-widget";
import { App } from "./App";

// A real app gets the member's token from its own backend; this example reads it, and the
// Moments backend, from its address: ?backend=URL&site=KEY&alice=TOKEN&bob=TOKEN&idle=SECONDS
const settings = new URLSearchParams(location.search);

// Every <moments-widget> below talks to this backend and site without saying so itself.
void load({ backend: settings.get("backend") ?? "http://127.0.0.1:8080", site: settings.get("site") ?? "demo" });

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App tokens={{ alice: settings.get("alice") ?? undefined, bob: settings.get("bob") ?? undefined }} idleTimeout={settings.get("idle") ?? undefined} />
    </StrictMode>,
  );
}
