// load()'s backend and site, for every <moments-widget> that names none. An element's lifecycle
// callbacks are read when it is defined, so the loader's definition is wrapped as it happens:
// index.js imports this module just before the loader and calls stopWatching() right after, in
// the same synchronous evaluation. Elements already on the page get them from load() itself.
const TAG = "moments-widget";
let defaults = null;

function fill(element) {
  if (!defaults) return;
  for (const [name, value] of Object.entries(defaults)) {
    if (typeof value === "string" && value && !element.hasAttribute(name)) element.setAttribute(name, value);
  }
}

const define = customElements.define;
customElements.define = function (name, constructor, options) {
  if (name === TAG) {
    const connected = constructor.prototype.connectedCallback;
    constructor.prototype.connectedCallback = function () {
      fill(this);
      connected.call(this);
    };
  }
  return define.call(this, name, constructor, options);
};

export function stopWatching() {
  customElements.define = define;
}

/** Gives every <moments-widget> without a `backend` (or `site`) these; resolves with its class. */
export function load({ backend, site } = {}) {
  if (typeof backend !== "string" || !backend) return Promise.reject(new TypeError("load() needs { backend: the Moments backend's URL }"));
  defaults = { backend, site };
  for (const element of document.querySelectorAll(TAG)) fill(element);
  return customElements.whenDefined(TAG);
}
