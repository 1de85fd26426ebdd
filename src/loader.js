// The Moments loader, published as dist/moments.js: the one script a host page includes.
// It defines <moments-widget> and hands each element to the wasm widget.
// scripts/write-loader.mjs fills in the hashed file names at build time.
import init, { mount } from "./__MOMENTS_GLUE__";

const TAG = "moments-widget";

// A second copy of this script (included twice, or from two URLs) leaves the first in charge.
if (!customElements.get(TAG)) {
  const wasmUrl = new URL("./__MOMENTS_WASM__", import.meta.url);
  const ready = init({ module_or_path: wasmUrl });
  // Each element reports a failed load as moments:error; the page's console stays clean.
  ready.catch(() => {});

  // After a panic the wasm instance has trapped. The widget's panic hook has already emptied
  // every element and fired moments:error (widget_crashed); from then on nothing may call
  // into wasm, and the traps of leftover callbacks are ours to swallow, not the page's to see.
  let crashed = false;
  const wasmFile = wasmUrl.pathname.split("/").pop();
  const ours = (error) => error instanceof WebAssembly.RuntimeError && String(error.stack).includes(wasmFile);
  addEventListener("error", (event) => {
    if (ours(event.error)) {
      crashed = true;
      event.preventDefault();
    }
  });
  addEventListener("unhandledrejection", (event) => {
    if (ours(event.reason)) {
      crashed = true;
      event.preventDefault();
    }
  });
  document.addEventListener("moments:error", (event) => {
    if (event.detail && event.detail.code === "widget_crashed") crashed = true;
  });

  class MomentsWidget extends HTMLElement {
    static get observedAttributes() {
      return ["backend", "site", "member-token", "locale", "mode", "idle-timeout"];
    }

    #mounted = null;
    #scheduled = false;
    #ended = false;
    #tracked = [];

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

    connectedCallback() {
      this.#schedule();
    }

    disconnectedCallback() {
      this.#schedule();
    }

    attributeChangedCallback(_name, oldValue, newValue) {
      if (oldValue !== newValue) this.#schedule();
    }

    // An element added with its attributes fires several callbacks in one task: mount once.
    #schedule() {
      if (this.#scheduled) return;
      this.#scheduled = true;
      queueMicrotask(() =>
        ready.then(
          () => {
            this.#scheduled = false;
            this.#render();
          },
          (error) => {
            this.#scheduled = false;
            this.#fail("widget_load_failed", error);
          },
        ),
      );
    }

    #render() {
      if (crashed) return;
      try {
        if (this.#mounted) {
          this.#mounted.unmount();
          this.#mounted.free();
          this.#mounted = null;
        }
        if (this.isConnected) {
          this.#mounted = mount(this);
          if (this.#ended) {
            this.#ended = false;
            this.#mounted.endSession();
          }
          for (const [name, properties] of this.#tracked.splice(0)) this.#mounted.track(name, properties);
        }
      } catch (error) {
        this.#mounted = null;
        if (ours(error)) crashed = true;
        else this.#fail("widget_failed", error);
      }
    }

    #fail(code, error) {
      const message = String((error && error.message) || error);
      this.dispatchEvent(new CustomEvent("moments:error", { bubbles: true, detail: { code, message } }));
    }
  }

  customElements.define(TAG, MomentsWidget);
}
