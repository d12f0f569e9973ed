//! Why a service went down: the causes an incident is attributed to, and the per-cause
//! downtime and incident lengths of one workload.

/// What took a pod out of serving. An incident takes the cause of the serving drop that
/// crossed below `slo.min_ready`; the down interval at t = 0 is `Startup`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DownCause {
    /// Pods not yet Ready at the start of the run.
    Startup = 0,
    /// A node died (random failure, `kill_node`).
    NodeFailure = 1,
    ZoneOutage = 2,
    /// The node was cut from the control plane (NotReady → pods unready).
    Partition = 3,
    /// The container exited (crash, `kill_pod`, a liveness kill of a serving pod).
    Crash = 4,
    Hang = 5,
    /// A rolling update replaced the pod.
    Rollout = 6,
    /// `drain_node` evicted it.
    Drain = 7,
    /// HPA scale-down, or the cluster autoscaler removing its node.
    Scaling = 8,
    /// The startup incident of a workload whose pods the scheduler could not place.
    Unschedulable = 9,
    /// Anything else (e.g. a readiness probe failing under overload).
    #[default]
    Other = 10,
}

/// The number of causes (`DownCause::ALL.len()`).
pub const DOWN_CAUSES: usize = 11;

impl DownCause {
    pub const ALL: [DownCause; DOWN_CAUSES] = [
        DownCause::Startup,
        DownCause::NodeFailure,
        DownCause::ZoneOutage,
        DownCause::Partition,
        DownCause::Crash,
        DownCause::Hang,
        DownCause::Rollout,
        DownCause::Drain,
        DownCause::Scaling,
        DownCause::Unschedulable,
        DownCause::Other,
    ];

    /// The column suffix (`downtime_s_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            DownCause::Startup => "startup",
            DownCause::NodeFailure => "node_failure",
            DownCause::ZoneOutage => "zone_outage",
            DownCause::Partition => "partition",
            DownCause::Crash => "crash",
            DownCause::Hang => "hang",
            DownCause::Rollout => "rollout",
            DownCause::Drain => "drain",
            DownCause::Scaling => "scaling",
            DownCause::Unschedulable => "unschedulable",
            DownCause::Other => "other",
        }
    }
}

/// The `q`-quantile of `xs` by linear interpolation between order statistics (type 7, as
/// numpy's default); `None` for no values.
pub fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (h - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_ordered_as_the_discriminants() {
        for (i, c) in DownCause::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        let names: std::collections::HashSet<_> = DownCause::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), DOWN_CAUSES);
    }

    #[test]
    fn quantiles_interpolate() {
        // Sorted 10, 20, 30, 40: p50 at rank 1.5 → 25; p90 at rank 2.7 → 37.
        let xs = [40.0, 10.0, 30.0, 20.0];
        assert_eq!(quantile(&xs, 0.5), Some(25.0));
        assert!((quantile(&xs, 0.9).unwrap() - 37.0).abs() < 1e-9);
        assert_eq!(quantile(&xs, 1.0), Some(40.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
