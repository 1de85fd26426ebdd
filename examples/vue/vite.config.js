import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

// Vue renders <moments-widget> as the custom element it is, not as a component to resolve.
// `base: "./"` so the built app runs from any folder (the end-to-end test serves it from one).
export default defineConfig({
  base: "./",
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === "moments-widget" } } })],
});
