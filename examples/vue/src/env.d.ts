/// <reference types="vite/client" />
// <moments-widget> in this app's templates, typed (vue-tsc checks them).
import type {} from "moments-widget/vue";
