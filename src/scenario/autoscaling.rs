//! Scenario types of autoscaling: the HPA (autoscaling/v2) and predictive scaling of a
//! workload, the cluster autoscaler of node pools, with Kubernetes' defaults.

use crate::time::SimDuration;

/// `workloads[].autoscaling`.
#[derive(Clone, Debug)]
pub struct Autoscaling {
    pub hpa: Hpa,
    pub predictive: Option<Predictive>,
}

/// A HorizontalPodAutoscaler and the KCM flags that drive it.
#[derive(Clone, Debug)]
pub struct Hpa {
    pub min: u32,
    pub max: u32,
    /// Several: the largest recommendation wins.
    pub metrics: Vec<HpaMetric>,
    pub sync_period: SimDuration,
    /// No change while |ratio − 1| ≤ tolerance.
    pub tolerance: f64,
    /// metrics-server resolution: usage is averaged over this.
    pub metric_window: SimDuration,
    /// Age of the newest metrics the HPA sees.
    pub metrics_delay: SimDuration,
    pub cpu_initialization_period: SimDuration,
    pub initial_readiness_delay: SimDuration,
    pub behavior: Behavior,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HpaMetric {
    /// Target average utilization: CPU used ÷ the pod's CPU request (a fraction, 0.6 = 60 %).
    CpuUtilization(f64),
    /// Target average arrivals per pod, per second (a Pods metric via a Prometheus adapter).
    RequestsPerPod(f64),
}

/// `behavior` of autoscaling/v2; `Behavior::default()` is the Kubernetes default behavior.
#[derive(Clone, Debug, PartialEq)]
pub struct Behavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScalingRules {
    pub stabilization: SimDuration,
    pub select: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
}

/// `selectPolicy`: Max picks the policy allowing the largest change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyAmount {
    Pods(u32),
    Percent(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub amount: PolicyAmount,
    pub period: SimDuration,
}

impl Default for Behavior {
    /// `pkg/apis/autoscaling/v2/defaults.go`: up at most max(4 pods, +100 %) per 15 s with no
    /// stabilization; down by up to 100 % per 15 s after the 300 s stabilization window
    /// (the `--horizontal-pod-autoscaler-downscale-stabilization` flag).
    fn default() -> Self {
        let per_15s = SimDuration::from_secs(15);
        Behavior {
            scale_up: ScalingRules {
                stabilization: SimDuration::ZERO,
                select: SelectPolicy::Max,
                policies: vec![
                    ScalingPolicy {
                        amount: PolicyAmount::Pods(4),
                        period: per_15s,
                    },
                    ScalingPolicy {
                        amount: PolicyAmount::Percent(100),
                        period: per_15s,
                    },
                ],
            },
            scale_down: ScalingRules {
                stabilization: SimDuration::from_secs(300),
                select: SelectPolicy::Max,
                policies: vec![ScalingPolicy {
                    amount: PolicyAmount::Percent(100),
                    period: per_15s,
                }],
            },
        }
    }
}

/// `autoscaling.predictive`: a forecast of the arrival rate, turned into replicas through the
/// HPA's own targets, behavior and bounds.
#[derive(Clone, Debug)]
pub struct Predictive {
    pub model: ForecastSpec,
    /// How far ahead to provision; `None`: start + readiness + one sync period.
    pub lead: Option<SimDuration>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ForecastSpec {
    Linear {
        window: SimDuration,
    },
    SeasonalNaive {
        period: SimDuration,
    },
    HoltWinters {
        period: SimDuration,
        alpha: f64,
        beta: f64,
        gamma: f64,
    },
}

/// `nodes[].autoscaling`: the pool's node-group bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolAutoscaling {
    pub min: u32,
    pub max: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expander {
    Random,
    LeastWaste,
}

/// Top-level `cluster_autoscaler:` (defaults of the cluster-autoscaler FAQ).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClusterAutoscaler {
    pub scan_interval: SimDuration,
    pub unneeded_time: SimDuration,
    pub delay_after_add: SimDuration,
    pub utilization_threshold: f64,
    pub max_node_provision_time: SimDuration,
    pub expander: Expander,
}

impl Default for ClusterAutoscaler {
    fn default() -> Self {
        ClusterAutoscaler {
            scan_interval: SimDuration::from_secs(10),
            unneeded_time: SimDuration::from_secs(600),
            delay_after_add: SimDuration::from_secs(600),
            utilization_threshold: 0.5,
            max_node_provision_time: SimDuration::from_secs(900),
            expander: Expander::Random,
        }
    }
}
