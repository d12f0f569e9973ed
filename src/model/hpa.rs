//! The HorizontalPodAutoscaler's decisions (autoscaling/v2), apart from the cluster: the
//! replica calculator (`replica_calculator.go`) and the behavior normalization —
//! stabilization windows and scaling policies (`horizontal.go`). Fed observations, it
//! returns replica counts; `autoscale.rs` gathers the observations from the world.

use crate::scenario::autoscaling::{Hpa, PolicyAmount, ScalingRules, SelectPolicy};
use crate::time::{SimDuration, SimTime};

/// What one metric looks like to the replica calculator at a sync: the metric summed over
/// the pods that have one and count as ready, and how many pods are in each group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricSample {
    /// Σ metric over the ready pods with metrics (utilization as a fraction of the request,
    /// or requests per second).
    pub ready_sum: f64,
    pub ready: u32,
    /// Pods with a metric that count as not ready (CPU only): removed from the average and
    /// counted as 0 when scaling up.
    pub unready: u32,
    /// Pods without a metric (started too recently, or container not running).
    pub missing: u32,
    /// The value a missing pod counts as when scaling down: the target, or for CPU the larger
    /// of the target and 100 % of the request.
    pub missing_down_value: f64,
    /// CPU utilization is reported in whole percent (`int32(total·100/requests)`).
    pub whole_percent: bool,
}

/// `GetResourceReplicas` / `calcPlainMetricReplicas`: the replica count one metric asks for,
/// with the missing-pod and not-ready rules. `None` when no pod has a usable metric (the HPA
/// then leaves the count alone).
pub fn replicas_for_metric(
    current: u32,
    target: f64,
    tolerance: f64,
    s: &MetricSample,
) -> Option<(u32, f64)> {
    if s.ready == 0 {
        return None;
    }
    let average = |sum: f64, n: u32| {
        let v = sum / n as f64;
        if s.whole_percent {
            (v * 100.0 + 1e-9).floor() / 100.0
        } else {
            v
        }
    };
    let value = average(s.ready_sum, s.ready);
    let usage_ratio = value / target;
    let within = |r: f64| (r - 1.0).abs() <= tolerance;
    let scale_up_with_unready = s.unready > 0 && usage_ratio > 1.0;
    if !scale_up_with_unready && s.missing == 0 {
        if within(usage_ratio) {
            return Some((current, value));
        }
        return Some((ceil(usage_ratio * s.ready as f64), value));
    }
    let mut sum = s.ready_sum;
    let mut n = s.ready;
    if s.missing > 0 {
        if usage_ratio < 1.0 {
            sum += s.missing_down_value * s.missing as f64;
            n += s.missing;
        } else if usage_ratio > 1.0 {
            n += s.missing;
        }
    }
    if scale_up_with_unready {
        n += s.unready;
    }
    let new_ratio = average(sum, n) / target;
    if within(new_ratio)
        || (usage_ratio < 1.0 && new_ratio > 1.0)
        || (usage_ratio > 1.0 && new_ratio < 1.0)
    {
        return Some((current, value));
    }
    let desired = ceil(new_ratio * n as f64);
    if (new_ratio < 1.0 && desired > current) || (new_ratio > 1.0 && desired < current) {
        return Some((current, value));
    }
    Some((desired, value))
}

fn ceil(x: f64) -> u32 {
    // Guard float noise: 2 × 7.8 must be 16, not 17.
    let r = (x * 1e9).round() / 1e9;
    r.ceil().clamp(0.0, u32::MAX as f64) as u32
}

/// Why the applied count differs from what the metrics asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    DesiredWithinRange,
    ScaleUpStabilized,
    ScaleDownStabilized,
    ScaleUpLimit,
    ScaleDownLimit,
    TooManyReplicas,
    TooFewReplicas,
}

impl Why {
    pub fn name(self) -> &'static str {
        match self {
            Why::DesiredWithinRange => "DesiredWithinRange",
            Why::ScaleUpStabilized => "ScaleUpStabilized",
            Why::ScaleDownStabilized => "ScaleDownStabilized",
            Why::ScaleUpLimit => "ScaleUpLimit",
            Why::ScaleDownLimit => "ScaleDownLimit",
            Why::TooManyReplicas => "TooManyReplicas",
            Why::TooFewReplicas => "TooFewReplicas",
        }
    }
}

/// The HPA controller's memory of one autoscaler: recent recommendations and scale events.
#[derive(Clone, Debug, Default)]
pub struct HpaMemory {
    /// The first sync has recorded its initial recommendation.
    seeded: bool,
    recommendations: Vec<(SimTime, u32)>,
    up_events: Vec<(SimTime, u32)>,
    down_events: Vec<(SimTime, u32)>,
}

impl HpaMemory {
    /// `reconcileAutoscaler` after the metrics: bounds first, then stabilization and the
    /// policies (`normalizeDesiredReplicasWithBehaviors`). `desired`: `None` when no metric
    /// could be computed. Returns the count to apply and what limited it.
    pub fn decide(
        &mut self,
        hpa: &Hpa,
        now: SimTime,
        current: u32,
        desired: Option<u32>,
    ) -> (u32, Why) {
        if current == 0 {
            // `ScalingDisabled`: a target scaled to zero by hand is left alone.
            return (0, Why::DesiredWithinRange);
        }
        if !self.seeded {
            // `recordInitialRecommendation`: the current count is the first recommendation,
            // so no scale-down comes before one stabilization window has passed.
            self.seeded = true;
            self.recommendations.push((now, current));
        }
        if current > hpa.max {
            return (hpa.max, Why::TooManyReplicas);
        }
        if current < hpa.min {
            return (hpa.min, Why::TooFewReplicas);
        }
        let Some(desired) = desired else {
            return (current, Why::DesiredWithinRange);
        };
        let (stable, why) = self.stabilize(hpa, now, current, desired);
        let (out, limit) = self.rate_limit(hpa, now, current, stable);
        let limit = if limit == Why::DesiredWithinRange && stable != desired {
            why
        } else {
            limit
        };
        (out, limit)
    }

    /// Records an applied change for the policies' periods (`storeScaleEvent`).
    pub fn scaled(&mut self, hpa: &Hpa, now: SimTime, from: u32, to: u32) {
        let (events, rules) = if to > from {
            (&mut self.up_events, &hpa.behavior.scale_up)
        } else {
            (&mut self.down_events, &hpa.behavior.scale_down)
        };
        let longest = rules
            .policies
            .iter()
            .map(|p| p.period)
            .max()
            .unwrap_or(SimDuration::ZERO);
        events.retain(|&(t, _)| now.since(t) <= longest);
        events.push((now, from.abs_diff(to)));
    }

    /// `stabilizeRecommendationWithBehaviors`: the lowest recommendation of the scale-up window
    /// and the highest of the scale-down window bound the result around `current`.
    fn stabilize(&mut self, hpa: &Hpa, now: SimTime, current: u32, desired: u32) -> (u32, Why) {
        let up_window = hpa.behavior.scale_up.stabilization;
        let down_window = hpa.behavior.scale_down.stabilization;
        let (mut up, mut down) = (desired, desired);
        // A recommendation counts while it is strictly after the cutoff, as `After(cutoff)`.
        let inside = |t: SimTime, window: SimDuration| now.since(t) < window;
        for &(t, r) in &self.recommendations {
            if inside(t, up_window) {
                up = up.min(r);
            }
            if inside(t, down_window) {
                down = down.max(r);
            }
        }
        self.recommendations
            .retain(|&(t, _)| inside(t, up_window) || inside(t, down_window));
        self.recommendations.push((now, desired));
        let out = current.max(up).min(down);
        let why = if desired >= current {
            Why::ScaleUpStabilized
        } else {
            Why::ScaleDownStabilized
        };
        (out, why)
    }

    /// `convertDesiredReplicasWithBehaviorRate`.
    fn rate_limit(&self, hpa: &Hpa, now: SimTime, current: u32, desired: u32) -> (u32, Why) {
        if desired > current {
            let limit = self
                .up_limit(&hpa.behavior.scale_up, now, current)
                .max(current);
            let (allowed, why) = if hpa.max > limit {
                (limit, Why::ScaleUpLimit)
            } else {
                (hpa.max, Why::TooManyReplicas)
            };
            if desired > allowed {
                return (allowed, why);
            }
        } else if desired < current {
            let limit = self
                .down_limit(&hpa.behavior.scale_down, now, current)
                .min(current);
            let (allowed, why) = if hpa.min < limit {
                (limit, Why::ScaleDownLimit)
            } else {
                (hpa.min, Why::TooFewReplicas)
            };
            if desired < allowed {
                return (allowed, why);
            }
        }
        (desired, Why::DesiredWithinRange)
    }

    /// Replicas added (or removed) within the last `period`: events strictly after the cutoff.
    fn change_in(events: &[(SimTime, u32)], now: SimTime, period: SimDuration) -> i64 {
        events
            .iter()
            .filter(|&&(t, _)| now.since(t) < period)
            .map(|&(_, n)| n as i64)
            .sum()
    }

    fn period_start(&self, now: SimTime, current: u32, period: SimDuration) -> i64 {
        current as i64 - Self::change_in(&self.up_events, now, period)
            + Self::change_in(&self.down_events, now, period)
    }

    /// `calculateScaleUpLimitWithScalingRules`.
    fn up_limit(&self, rules: &ScalingRules, now: SimTime, current: u32) -> u32 {
        let proposals = rules.policies.iter().map(|p| {
            let start = self.period_start(now, current, p.period);
            match p.amount {
                PolicyAmount::Pods(n) => start + n as i64,
                PolicyAmount::Percent(pc) => {
                    (start as f64 * (1.0 + pc as f64 / 100.0) - 1e-9).ceil() as i64
                }
            }
        });
        let chosen = match rules.select {
            SelectPolicy::Disabled => return current,
            SelectPolicy::Min => proposals.min(),
            SelectPolicy::Max => proposals.max(),
        };
        chosen.unwrap_or(current as i64).clamp(0, u32::MAX as i64) as u32
    }

    /// `calculateScaleDownLimitWithBehaviors` (percent proposals truncate, as `int32(…)`).
    fn down_limit(&self, rules: &ScalingRules, now: SimTime, current: u32) -> u32 {
        let proposals = rules.policies.iter().map(|p| {
            let start = self.period_start(now, current, p.period);
            match p.amount {
                PolicyAmount::Pods(n) => start - n as i64,
                PolicyAmount::Percent(pc) => {
                    (start as f64 * (1.0 - pc as f64 / 100.0) + 1e-9).floor() as i64
                }
            }
        });
        let chosen = match rules.select {
            SelectPolicy::Disabled => return current,
            // The smallest change ('min') leaves the most replicas.
            SelectPolicy::Min => proposals.max(),
            SelectPolicy::Max => proposals.min(),
        };
        chosen.unwrap_or(current as i64).clamp(0, u32::MAX as i64) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::autoscaling::{Behavior, HpaMetric};

    fn hpa(min: u32, max: u32) -> Hpa {
        Hpa {
            min,
            max,
            metrics: vec![HpaMetric::RequestsPerPod(50.0)],
            sync_period: SimDuration::from_secs(15),
            tolerance: 0.1,
            metric_window: SimDuration::from_secs(15),
            metrics_delay: SimDuration::from_secs(15),
            cpu_initialization_period: SimDuration::from_secs(300),
            initial_readiness_delay: SimDuration::from_secs(30),
            behavior: Behavior::default(),
        }
    }

    fn plain(sum: f64, ready: u32, missing: u32) -> MetricSample {
        MetricSample {
            ready_sum: sum,
            ready,
            unready: 0,
            missing,
            missing_down_value: 50.0,
            whole_percent: false,
        }
    }

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn tolerance_keeps_the_count_within_ten_percent() {
        // 3 pods at 52.5/s each against 50/s: ratio 1.05, inside 0.1 → 3.
        assert_eq!(
            replicas_for_metric(3, 50.0, 0.1, &plain(157.5, 3, 0))
                .unwrap()
                .0,
            3
        );
        // 57.5/s each: ratio 1.15 → ceil(1.15 × 3) = ceil(3.45) = 4.
        assert_eq!(
            replicas_for_metric(3, 50.0, 0.1, &plain(172.5, 3, 0))
                .unwrap()
                .0,
            4
        );
    }

    #[test]
    fn missing_pods_count_zero_up_and_target_down() {
        // 2 pods see 780/s (390 each, ratio 7.8) while 4 new pods have no metric yet:
        // up → the 4 count 0: 780 / 6 = 130 → ratio 2.6 → ceil(2.6 × 6) = 16.
        assert_eq!(
            replicas_for_metric(6, 50.0, 0.1, &plain(780.0, 2, 4))
                .unwrap()
                .0,
            16
        );
        // 2 pods see 20/s each (ratio 0.4) while 2 have no metric: down → the 2 count 50:
        // (40 + 100) / 4 = 35 → ratio 0.7 → ceil(0.7 × 4) = ceil(2.8) = 3.
        assert_eq!(
            replicas_for_metric(4, 50.0, 0.1, &plain(40.0, 2, 2))
                .unwrap()
                .0,
            3
        );
        // Without a single pod with a metric, nothing is decided.
        assert_eq!(replicas_for_metric(4, 50.0, 0.1, &plain(0.0, 0, 4)), None);
    }

    #[test]
    fn unready_pods_only_dampen_a_scale_up() {
        // CPU: 2 ready pods at 90 % (target 60 %: ratio 1.5), 2 unready count 0 when scaling
        // up: 180 / 4 = 45 % → ratio 0.75 < 1: the adjustment flips the direction → keep 4.
        let s = MetricSample {
            ready_sum: 1.8,
            ready: 2,
            unready: 2,
            missing: 0,
            missing_down_value: 1.0,
            whole_percent: true,
        };
        assert_eq!(replicas_for_metric(4, 0.6, 0.1, &s).unwrap().0, 4);
        // 2 ready at 150 %: (300 + 0 + 0) / 4 = 75 % → ratio 1.25 → ceil(1.25 × 4) = 5.
        let s = MetricSample {
            ready_sum: 3.0,
            ..s
        };
        assert_eq!(replicas_for_metric(4, 0.6, 0.1, &s).unwrap().0, 5);
    }

    #[test]
    fn cpu_utilization_truncates_to_whole_percent() {
        // 64.99 % against 59 %: reported 64 % → ratio 1.0847, inside the tolerance.
        let s = MetricSample {
            ready_sum: 0.6499 * 4.0,
            ready: 4,
            unready: 0,
            missing: 0,
            missing_down_value: 1.0,
            whole_percent: true,
        };
        assert_eq!(replicas_for_metric(4, 0.59, 0.1, &s).unwrap().0, 4);
    }

    #[test]
    fn default_scale_up_is_max_of_four_pods_and_double_per_15s() {
        let h = hpa(1, 100);
        let mut m = HpaMemory::default();
        // From 2: max(2 + 4, 2 × 2) = 6.
        assert_eq!(m.decide(&h, at(0), 2, Some(16)), (6, Why::ScaleUpLimit));
        m.scaled(&h, at(0), 2, 6);
        // 15 s later the event is exactly one period old: not counted, fresh budget from 6:
        // max(6 + 4, 12) = 12.
        assert_eq!(m.decide(&h, at(15), 6, Some(16)), (12, Why::ScaleUpLimit));
        m.scaled(&h, at(15), 6, 12);
        assert_eq!(
            m.decide(&h, at(30), 12, Some(16)),
            (16, Why::DesiredWithinRange)
        );
        // Within one period of a scale-up, the budget is what is left: start = 16 − 4 = 12
        // (at 30 s 12 → 16 counted): max(12 + 4, 24) = 24 ≥ 30? no → 24.
        m.scaled(&h, at(30), 12, 16);
        assert_eq!(m.decide(&h, at(31), 16, Some(30)), (24, Why::ScaleUpLimit));
        // Never above max.
        let h = hpa(1, 10);
        let mut m = HpaMemory::default();
        assert_eq!(m.decide(&h, at(0), 8, Some(30)), (10, Why::TooManyReplicas));
    }

    #[test]
    fn scale_down_waits_for_the_stabilization_window() {
        let h = hpa(2, 100);
        let mut m = HpaMemory::default();
        // 16 recommended at 0 s; from 15 s on the metrics ask for 2. The highest
        // recommendation of the last 300 s is 16 until the one at 0 s is 300 s old.
        assert_eq!(m.decide(&h, at(0), 16, Some(16)).0, 16);
        for s in (15..300).step_by(15) {
            assert_eq!(
                m.decide(&h, at(s), 16, Some(2)),
                (16, Why::ScaleDownStabilized),
                "{s}"
            );
        }
        // At 300 s the 0 s recommendation is no longer after the cutoff: 100 % per 15 s → 2.
        assert_eq!(
            m.decide(&h, at(300), 16, Some(2)),
            (2, Why::DesiredWithinRange)
        );
    }

    #[test]
    fn policies_select_min_and_disabled() {
        let mut h = hpa(1, 100);
        h.behavior.scale_up.select = SelectPolicy::Min;
        let mut m = HpaMemory::default();
        // min(10 + 4, 20) = 14.
        assert_eq!(m.decide(&h, at(0), 10, Some(40)).0, 14);
        h.behavior.scale_up.select = SelectPolicy::Disabled;
        assert_eq!(m.decide(&h, at(15), 10, Some(40)).0, 10);
        // Scale down by at most 1 pod per 60 s, or 10 %: `max` picks the larger change.
        h.behavior.scale_down = ScalingRules {
            stabilization: SimDuration::ZERO,
            select: SelectPolicy::Max,
            policies: vec![
                crate::scenario::autoscaling::ScalingPolicy {
                    amount: PolicyAmount::Pods(1),
                    period: SimDuration::from_secs(60),
                },
                crate::scenario::autoscaling::ScalingPolicy {
                    amount: PolicyAmount::Percent(10),
                    period: SimDuration::from_secs(60),
                },
            ],
        };
        let mut m = HpaMemory::default();
        // 40: min(40 − 1, int(40 × 0.9) = 36) = 36.
        assert_eq!(m.decide(&h, at(0), 40, Some(1)), (36, Why::ScaleDownLimit));
        m.scaled(&h, at(0), 40, 36);
        // 30 s later: period start 36 + 4 = 40 → min(39, 36) = 36: no room left.
        assert_eq!(m.decide(&h, at(30), 36, Some(1)).0, 36);
        // 60 s after the event it has left the period: min(35, int(32.4) = 32) = 32.
        assert_eq!(m.decide(&h, at(60), 36, Some(1)).0, 32);
    }
}
