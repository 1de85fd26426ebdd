import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `base: "./"` so the built app runs from any folder (the end-to-end test serves it from one).
export default defineConfig({ base: "./", plugins: [react()] });
