//! Every text the dashboard shows: the fields here, one file per locale beside it (like the
//! widget's `src/i18n/`).

mod en;
mod zh_cn;
mod zh_tw;

use moments_protocol::Locale;

pub struct Texts {
    pub themes: &'static str,
    pub themes_how: &'static str,
    pub themes_low: &'static str,
    pub themes_promoters: &'static str,
    pub themes_term: &'static str,
    pub themes_answers: &'static str,
    pub themes_share: &'static str,
    pub themes_none: &'static str,
    pub themes_weekly: &'static str,
    pub themes_week: &'static str,
    pub themes_rising: &'static str,
    pub themes_counted_to: &'static str,
    pub themes_term_filter: &'static str,
    pub show_all: &'static str,
    pub themes_by: &'static str,
    pub themes_by_context: &'static str,
    pub themes_by_experiment: &'static str,
    pub themes_groups: &'static str,
    pub themes_value: &'static str,
    pub themes_low_answers: &'static str,
    pub keys: &'static str,
    pub key_name: &'static str,
    pub scopes: &'static str,
    pub expires: &'static str,
    pub last_used: &'static str,
    pub never: &'static str,
    pub create_key: &'static str,
    pub revoke: &'static str,
    pub rotate: &'static str,
    pub revoked: &'static str,
    pub secret_once: &'static str,
    pub no_keys: &'static str,
    pub key_invalid: &'static str,
    pub sso_sign_in: &'static str,
    pub sso_failed: &'static str,
    pub sso_no_role: &'static str,
    pub signing_in: &'static str,
    pub continue_label: &'static str,
    pub staff: &'static str,
    pub audit: &'static str,
    pub referrals: &'static str,
    pub no_such_site: &'static str,
    pub not_allowed: &'static str,
    pub login_name: &'static str,
    pub role: &'static str,
    pub role_owner: &'static str,
    pub role_marketer: &'static str,
    pub role_support: &'static str,
    pub role_viewer: &'static str,
    pub invite: &'static str,
    pub invited: &'static str,
    pub invite_link: &'static str,
    pub change_role: &'static str,
    pub remove: &'static str,
    pub no_staff: &'static str,
    pub operators_note: &'static str,
    pub choose_password: &'static str,
    pub invite_expired: &'static str,
    pub password_too_short: &'static str,
    pub goodwill: &'static str,
    pub goodwill_over_limit: &'static str,
    pub goodwill_needs_member: &'static str,
    pub who: &'static str,
    pub action: &'static str,
    pub target: &'static str,
    pub change: &'static str,
    pub no_audit: &'static str,
    pub signed_in_as: &'static str,
    pub metric_feedback_rate: &'static str,
    pub metric_conversion_rate: &'static str,
    pub metric_return_rate: &'static str,
    pub metric_csat: &'static str,
    pub metric_nps: &'static str,
    pub metric_thumbs_up_rate: &'static str,
    pub ship_label: &'static str,
    pub status_draft: &'static str,
    pub status_running: &'static str,
    pub status_stopped: &'static str,
    pub title: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub staff_name: &'static str,
    pub password: &'static str,
    pub wrong_password: &'static str,
    pub too_many_attempts: &'static str,
    pub overview: &'static str,
    pub experiments: &'static str,
    pub feedback: &'static str,
    pub recovery: &'static str,
    pub language: &'static str,
    pub site: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub apply: &'static str,
    pub answers: &'static str,
    pub csat: &'static str,
    pub nps: &'static str,
    pub surprises_given: &'static str,
    pub surprises_claimed: &'static str,
    pub points_issued: &'static str,
    pub rewards: &'static str,
    pub points_redeemed: &'static str,
    pub points_expiring: &'static str,
    pub week_of: &'static str,
    pub week: &'static str,
    /// The Loyalty page (navigation and heading).
    pub loyalty: &'static str,
    pub webhooks: &'static str,
    pub webhook_endpoints: &'static str,
    pub no_endpoints: &'static str,
    pub webhook_url: &'static str,
    pub webhook_events: &'static str,
    pub webhook_format: &'static str,
    pub webhook_state: &'static str,
    pub state_active: &'static str,
    pub state_paused: &'static str,
    pub state_disabled: &'static str,
    pub pause: &'static str,
    pub resume: &'static str,
    pub from_config: &'static str,
    pub deliveries: &'static str,
    pub no_deliveries: &'static str,
    pub webhook_event: &'static str,
    pub webhook_endpoint: &'static str,
    pub attempts: &'static str,
    pub next_try: &'static str,
    pub receiver_answer: &'static str,
    pub delivery_pending: &'static str,
    pub delivery_delivered: &'static str,
    pub delivery_failed: &'static str,
    pub send_again: &'static str,
    pub webhook_id: &'static str,
    pub paused_note: &'static str,
    pub actions: &'static str,
    pub answered_again: &'static str,
    pub next_not_low: &'static str,
    pub next_answer_sentence: &'static str,
    pub too_few_next_answers: &'static str,
    pub computing: &'static str,
    pub reload_now: &'static str,
    pub figures_as_of: &'static str,
    pub support: &'static str,
    pub support_title: &'static str,
    pub no_context_yet: &'static str,
    pub no_context_in_period: &'static str,
    pub answers_with_context: &'static str,
    pub context_keys: &'static str,
    pub context: &'static str,
    pub context_key: &'static str,
    pub context_value: &'static str,
    pub interval_95: &'static str,
    pub low_faces: &'static str,
    pub too_few_mark: &'static str,
    pub too_few_answers_note: &'static str,
    pub many_values: &'static str,
    pub by_key: &'static str,
    pub members: &'static str,
    pub members_per_tier: &'static str,
    pub tier: &'static str,
    pub share: &'static str,
    /// Members whose lifetime points are below the lowest tier.
    pub untiered: &'static str,
    /// What the program owes: every member's balance added up.
    pub points_outstanding: &'static str,
    pub redemption_rate: &'static str,
    pub points_per_week: &'static str,
    pub issued_per_week: &'static str,
    pub outstanding_per_week: &'static str,
    pub no_members_yet: &'static str,
    pub satisfaction_by_tier: &'static str,
    /// Visitors who answered without being members.
    pub not_members: &'static str,
    /// Return rates: what counts as a visit and a return is in the title.
    pub returns_title: &'static str,
    pub tier_moves: &'static str,
    pub purchases_and_churn: &'static str,
    pub recovery_effect: &'static str,
    pub cohorts: &'static str,
    /// Units written by a chart's vertical axis.
    pub unit_answers: &'static str,
    pub unit_visitors: &'static str,
    pub unit_points: &'static str,
    /// The link under each table of the Loyalty page.
    pub download_csv: &'static str,
    pub joined_week: &'static str,
    pub new_members: &'static str,
    /// `{n}` weeks after joining.
    pub weeks_later: &'static str,
    pub case_resolved: &'static str,
    pub case_open: &'static str,
    pub cases: &'static str,
    pub came_back: &'static str,
    /// `{n}`: the fewest cases per group a comparison needs.
    pub too_few_cases: &'static str,
    /// `{difference}`, `{low}`, `{high}` (percentage points) and `{p}`.
    pub recovery_sentence: &'static str,
    /// `{direction}` in the effect sentences: the difference's sign, in words.
    pub more: &'static str,
    pub less: &'static str,
    pub gift_effect: &'static str,
    pub gift_effect_how: &'static str,
    pub given_gift: &'static str,
    pub active_no_gift: &'static str,
    pub too_few_gifts: &'static str,
    pub gift_sentence: &'static str,
    pub measure: &'static str,
    pub purchasers: &'static str,
    pub repeat_purchasers: &'static str,
    pub repeat_purchase_rate: &'static str,
    pub previously_active: &'static str,
    pub churned: &'static str,
    pub churn: &'static str,
    /// `{up}` and `{down}`: members who moved up and down a tier in the range.
    pub tier_moves_summary: &'static str,
    pub from_tier: &'static str,
    pub to_tier: &'static str,
    pub visitors: &'static str,
    pub visits_per_visitor: &'static str,
    pub return_rate: &'static str,
    pub stock_left: &'static str,
    pub redemptions_per_week: &'static str,
    pub no_limit: &'static str,
    pub answers_per_day: &'static str,
    pub csat_per_day: &'static str,
    pub nps_per_day: &'static str,
    /// The overview of a period without answers.
    pub no_data: &'static str,
    /// The overview of a site that has had no answer at all.
    pub no_answers_yet: &'static str,
    /// `{date}`: the day the demo's history was generated.
    pub demo_history: &'static str,
    /// An experiment's page before any visitor has seen a variant.
    pub no_exposures_yet: &'static str,
    pub bad_range: &'static str,
    pub day: &'static str,
    pub value: &'static str,
    pub key: &'static str,
    pub slot: &'static str,
    pub status: &'static str,
    pub days_running: &'static str,
    pub exposures: &'static str,
    pub variant: &'static str,
    pub message: &'static str,
    pub weight: &'static str,
    pub control: &'static str,
    /// The heading of control's column in a variant's metric table.
    pub control_value: &'static str,
    pub metric: &'static str,
    pub difference: &'static str,
    pub p_value: &'static str,
    pub beat_control: &'static str,
    /// The holdout table's difference column.
    pub holdout_difference: &'static str,
    /// How many a side's figure is of: members, or answers for CSAT and NPS.
    pub counted: &'static str,
    /// A holdout's metric.
    pub metric_return_30d: &'static str,
    /// A holdout's metric: purchases the host vouched for.
    pub metric_repeat_purchase: &'static str,
    /// A holdout's metric: the gift's own points left out.
    pub metric_points_earned: &'static str,
    /// The Loyalty page's table of randomized holdouts.
    pub holdouts_title: &'static str,
    /// What the holdout table means.
    pub holdout_how: &'static str,
    /// The holdout table's first column.
    pub treatment: &'static str,
    /// The treatment of recovery's holdout.
    pub goodwill_credit: &'static str,
    /// The treated side of a holdout.
    pub given_side: &'static str,
    /// The held-out side of a holdout.
    pub held_out_side: &'static str,
    /// The share held out.
    pub holdout_share: &'static str,
    /// A comparison's design.
    pub randomized: &'static str,
    /// The variant's change relative to control, with its 95% interval (delta method).
    pub relative_change: &'static str,
    /// The column of CUPED's variance reduction.
    pub variance_removed: &'static str,
    /// What a randomized comparison means.
    pub analysis_randomized: &'static str,
    /// Sequential testing is on.
    pub analysis_sequential: &'static str,
    /// Sequential testing is off.
    pub analysis_fixed: &'static str,
    /// CUPED is on.
    pub analysis_cuped: &'static str,
    /// CUPED is off.
    pub analysis_cuped_off: &'static str,
    /// `{effect}`, `{metric}`, `{days}` and `{mde}`: a running experiment's power.
    pub power_sentence: &'static str,
    /// `{effect}` and `{metric}`: already powered.
    pub power_now: &'static str,
    /// `{effect}` and `{metric}`: not within a year.
    pub power_beyond: &'static str,
    pub srm_warning: &'static str,
    pub not_enough: &'static str,
    pub exposures_per_day: &'static str,
    pub start: &'static str,
    pub stop_and_ship: &'static str,
    pub ship_default: &'static str,
    pub shipped: &'static str,
    pub no_experiments: &'static str,
    pub time: &'static str,
    pub score: &'static str,
    pub scale: &'static str,
    pub any: &'static str,
    pub comment: &'static str,
    pub with_comment: &'static str,
    pub without_comment: &'static str,
    pub page: &'static str,
    pub variant_seen: &'static str,
    pub member: &'static str,
    pub anonymous: &'static str,
    pub min_score: &'static str,
    pub max_score: &'static str,
    pub filter: &'static str,
    pub export_csv: &'static str,
    pub older: &'static str,
    pub no_feedback: &'static str,
    pub open: &'static str,
    pub resolved: &'static str,
    pub note: &'static str,
    pub resolve: &'static str,
    pub points: &'static str,
    pub no_cases: &'static str,
    pub chart_of: &'static str,
    pub show_table: &'static str,
    pub refused: &'static str,
}

impl Texts {
    /// A results metric's name as staff read it.
    pub fn metric(&self, key: &str) -> &'static str {
        match key {
            "feedback_rate" => self.metric_feedback_rate,
            "conversion_rate" => self.metric_conversion_rate,
            "return_rate" => self.metric_return_rate,
            "csat" => self.metric_csat,
            "nps" => self.metric_nps,
            "return_30d" => self.metric_return_30d,
            "repeat_purchase" => self.metric_repeat_purchase,
            "points_earned" => self.metric_points_earned,
            _ => self.metric_thumbs_up_rate,
        }
    }
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &en::EN,
        Locale::ZhCn => &zh_cn::ZH_CN,
        Locale::ZhTw => &zh_tw::ZH_TW,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_its_own_texts() {
        for locale in Locale::ALL {
            let t = texts(locale);
            assert!(!t.overview.is_empty() && t.chart_of.contains("{title}"));
        }
        assert_ne!(texts(Locale::ZhCn).overview, texts(Locale::ZhTw).overview);
    }
}
