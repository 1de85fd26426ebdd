// The package's entry: importing it defines <moments-widget> (the loader beside it fetches the
// wasm and its chunks relative to itself, so a bundler copies them) and exports load().
import { stopWatching } from "./defaults.js";
import "./moments.js";

stopWatching();

export { load } from "./defaults.js";
