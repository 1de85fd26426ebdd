// The Moments loader, published as dist/moments.js: the one script a host page includes.
// It defines <moments-widget> and hands each element to the wasm widget.
// scripts/write-loader.mjs fills in the hashed file names at build time.
import init, { mount } from "./__MOMENTS_GLUE__";

const TAG = "moments-widget";

// A second copy of this script (included twice, or from two URLs) leaves the first in charge.
if (!customElements.get(TAG)) {
  const ready = init({ module_or_path: new URL("./__MOMENTS_WASM__", import.meta.url) });
  // Each element reports a failed load as moments:error; the page's console stays clean.
  ready.catch(() => {});

  class MomentsWidget extends HTMLElement {
    static get observedAttributes() {
      return ["backend", "site", "member-token", "locale"];
    }

    #mounted = null;
    #scheduled = false;

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
      try {
        if (this.#mounted) {
          this.#mounted.unmount();
          this.#mounted.free();
          this.#mounted = null;
        }
        if (this.isConnected) this.#mounted = mount(this);
      } catch (error) {
        this.#mounted = null;
        this.#fail("widget_failed", error);
      }
    }

    #fail(code, error) {
      const message = String((error && error.message) || error);
      this.dispatchEvent(new CustomEvent("moments:error", { bubbles: true, detail: { code, message } }));
    }
  }

  customElements.define(TAG, MomentsWidget);
}
