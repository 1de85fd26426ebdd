// Vue's GlobalComponents know <moments-widget> (the Vue example's templates are checked by
// vue-tsc against the same declarations).
import type {} from "moments-widget/vue";
import type { GlobalComponents } from "vue";
import type { MomentsRedeemEvent } from "moments-widget";

type Props = InstanceType<GlobalComponents["moments-widget"]>["$props"];
export const props: Props = { site: "shop", "member-token": "token", theme: "dark", "onMoments:redeem": (event: MomentsRedeemEvent) => console.log(event.detail.points) };
// @ts-expect-error no such theme
export const wrongTheme: Props = { theme: "blue" };
// @ts-expect-error the redeem event's detail has no score
export const wrongHandler: Props = { "onMoments:redeem": (event: CustomEvent<{ score: number }>) => console.log(event.detail.score) };
