// The Moments loader, published as dist/moments.js: the one script a host page includes.
// It defines <moments-widget> and hands each element to the wasm widget.
// scripts/write-loader.mjs fills in the hashed file names at build time.
//
// Nothing waits for anything it does not need: the element is defined at once, and the glue,
// the wasm and each element's session request all start together, so their round trips
// overlap instead of adding up.

const TAG = "moments-widget";
const VISITOR_KEY = "moments:visitor";
const DEVICE_KEY = "moments:device";
const ATTRIBUTES = ["backend", "site", "member-token", "locale", "mode", "idle-timeout", "context"];

// A second copy of this script (included twice, or from two URLs) leaves the first in charge.
if (!customElements.get(TAG)) {
  const wasmUrl = new URL("./__MOMENTS_WASM__", import.meta.url);
  const wasm = fetch(wasmUrl);
  const ready = import("./__MOMENTS_GLUE__").then(async (glue) => {
    await glue.default({ module_or_path: wasm });
    // Instantiating and the first render are separate tasks, so neither is long on a slow phone.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return glue;
  });
  // Each element reports a failed load as moments:error; the page's console stays clean.
  wasm.catch(() => {});
  ready.catch(() => {});

  // A panic traps the wasm instance (the release build aborts at once). From then on nothing
  // may call into wasm: every widget is taken off the page, each says so with moments:error,
  // and the traps of leftover callbacks are ours to swallow, not the page's to see.
  let crashed = false;
  // The main module (`moments-HASH_bg.wasm`) and its chunks (`moments-HASH-later.wasm`) share
  // the build's name.
  const build = wasmUrl.pathname.split("/").pop().replace(/_bg\.wasm$/, "");
  const ours = (error) => error instanceof WebAssembly.RuntimeError && String(error.stack).includes(build);
  const crash = () => {
    if (crashed) return;
    crashed = true;
    for (const widget of document.querySelectorAll(TAG)) {
      widget.shadowRoot?.replaceChildren();
      widget.dispatchEvent(
        new CustomEvent("moments:error", { bubbles: true, detail: { code: "widget_crashed", message: "the widget stopped" } }),
      );
    }
  };
  addEventListener("error", (event) => {
    if (ours(event.error)) {
      event.preventDefault();
      crash();
    }
  });
  addEventListener("unhandledrejection", (event) => {
    if (ours(event.reason)) {
      event.preventDefault();
      crash();
    }
  });

  // The visitor id this browser keeps, made here (a version-4 UUID) on a first visit so the
  // session request need not wait for the wasm. The test is the protocol's VisitorId rule;
  // the wasm checks it again and reads the same key. The device id is kept the same way
  // under its own key, which nothing resets (refer-a-friend knows a referrer's device by it).
  const keptId = (key) => {
    try {
      let id = localStorage.getItem(key);
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(id ?? "")) {
        const b = crypto.getRandomValues(new Uint8Array(16));
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
        id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
        localStorage.setItem(key, id);
      }
      return id;
    } catch {
      return null;
    }
  };

  // The session request, sent before the wasm is ready. The wasm builds its own request and
  // takes this answer only when the two bodies are the same text; otherwise it aborts this one
  // and sends its own, so a difference here costs a request, never a wrong answer.
  const startSession = (element) => {
    const attr = (name) => element.getAttribute(name)?.trim() || undefined;
    const backend = attr("backend")?.replace(/\/+$/, "");
    const site = attr("site");
    const visitor = keptId(VISITOR_KEY);
    if (!backend || !site || !visitor) return null;
    const languages = navigator.languages?.length ? [...navigator.languages] : navigator.language ? [navigator.language] : undefined;
    const body = JSON.stringify({
      site,
      visitor_id: visitor,
      member_token: attr("member-token"),
      locale: attr("locale"),
      languages,
      page_url: location.origin + location.pathname,
      device_id: keptId(DEVICE_KEY) ?? undefined,
    });
    const controller = new AbortController();
    const response = fetch(`${backend}/v1/session`, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      keepalive: true,
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body,
      signal: controller.signal,
    });
    response.catch(() => {});
    return { url: `${backend}/v1/session`, body, response, controller };
  };

  class MomentsWidget extends HTMLElement {
    static get observedAttributes() {
      return ATTRIBUTES;
    }

    #mounted = null;
    #session = null;
    #starting = null;
    #scheduled = false;
    #ended = false;
    #tracked = [];
    #context;

    /** The visit is over (checkout done, support chat closed): the widget may ask its question. */
    endSession() {
      if (crashed) return;
      if (this.#mounted) this.#mounted.endSession();
      // Not mounted yet (the script is still loading): remembered for when it is.
      else this.#ended = true;
    }

    /**
     * Counts something the visit did, for surprises and reports: `track("purchase", { value: 80 })`.
     * Mistakes are reported as moments:error; a call is never thrown back at the page.
     */
    track(name, properties) {
      if (crashed) return;
      if (this.#mounted) this.#mounted.track(String(name), properties ?? null);
      // Not mounted yet: kept, in order, for when it is.
      else if (this.#tracked.length < 100) this.#tracked.push([String(name), properties ?? null]);
    }

    /**
     * Says what the visit is about, for the answer given after it: `setContext({ ticket: "T-1042",
     * agent: "may", topic: "returns" })`; `null` goes back to the `context` attribute's.
     * Mistakes are reported as moments:error.
     */
    setContext(context) {
      if (crashed) return;
      if (this.#mounted) this.#mounted.setContext(context ?? null);
      // Not mounted yet: the last one is kept for when it is.
      else this.#context = [context ?? null];
    }

    connectedCallback() {
      // In a task of its own: starting the wasm's download and the session request together
      // was one task of up to 100 ms on a slow phone. The wasm takes longer to arrive anyway.
      this.#starting ??= setTimeout(() => {
        this.#starting = null;
        if (this.isConnected && !this.#mounted && !this.#session && !crashed) this.#session = startSession(this);
      }, 0);
      this.#schedule();
    }

    disconnectedCallback() {
      this.#schedule();
    }

    attributeChangedCallback(_name, oldValue, newValue) {
      if (oldValue === newValue) return;
      // Not mounted yet: a request sent with the old attributes would not be taken anyway.
      if (!this.#mounted && this.#session) {
        this.#session.controller.abort();
        this.#session = this.isConnected && !crashed ? startSession(this) : null;
      }
      this.#schedule();
    }

    // An element added with its attributes, or moved (removed and inserted again), fires
    // several callbacks in one task: act once, on where it ends up.
    #schedule() {
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() =>
        ready.then(
          (glue) => {
            this.#scheduled = false;
            this.#render(glue);
          },
          (error) => {
            this.#scheduled = false;
            this.#fail("widget_load_failed", error);
          },
        ),
      );
    }

    #render(glue) {
      if (crashed) return;
      try {
        if (!this.isConnected) {
          // Removed for good: everything it started stops (requests, timers, listeners).
          this.#session?.controller.abort();
          this.#session = null;
          this.#mounted?.unmount();
          this.#mounted?.free();
          this.#mounted = null;
        } else if (this.#mounted) {
          // Attributes changed: the widget updates in place, keeping what the visitor is doing.
          this.#mounted.update();
        } else {
          const session = this.#session;
          this.#session = null;
          this.#mounted = glue.mount(this, session);
          if (this.#ended) {
            this.#ended = false;
            this.#mounted.endSession();
          }
          if (this.#context) this.#mounted.setContext(this.#context[0]);
          this.#context = undefined;
          for (const [name, properties] of this.#tracked.splice(0)) this.#mounted.track(name, properties);
        }
      } catch (error) {
        if (ours(error)) crash();
        else {
          this.#mounted = null;
          this.#fail("widget_failed", error);
        }
      }
    }

    #fail(code, error) {
      const message = String((error && error.message) || error);
      this.dispatchEvent(new CustomEvent("moments:error", { bubbles: true, detail: { code, message } }));
    }
  }

  // At once: a page's next script may call element.track() right away.
  customElements.define(TAG, MomentsWidget);
}
