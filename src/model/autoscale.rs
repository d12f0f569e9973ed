//! The HPA in the cluster: metrics as metrics-server and a Prometheus adapter would report
//! them (scrapes every `metric_window`, seen `metrics_delay` late), the sync loop that groups
//! the pods as the replica calculator does, predictive scaling, and the one verb that
//! changes a workload's scale.
//!
//! Simplification (said in the README): the metric of a window is the workload's total
//! (arrivals routed to its pods, CPU its pods used) divided among the pods that have a
//! metric, where Kubernetes averages per-pod values. The two agree whenever the pods without
//! a metric served nothing in the window — true of new pods, which are not Ready yet.

use super::forecast::{ForecastError, ForecastModel, Forecaster};
use super::hpa::{HpaMemory, MetricSample, Why, replicas_for_metric};
use super::*;
use crate::scenario::WorkloadKind;
use crate::scenario::autoscaling::{ForecastSpec, Hpa, HpaMetric};
use std::collections::VecDeque;

/// One workload's autoscaler: its metric counters, scrapes and controller memory.
pub struct HpaState {
    /// Arrivals routed to the workload's pods and CPU seconds they used, since the start.
    pub arrivals: f64,
    pub cpu_s: f64,
    /// (scrape time, arrivals, cpu_s): the counters at each metrics-server scrape.
    scrapes: VecDeque<(SimTime, f64, f64)>,
    /// Containers started recently (start, pod, incarnation): those still running have no
    /// metric yet. Older entries are dropped once no window can need them.
    recent: VecDeque<(SimTime, PodId, u32)>,
    /// A CPU metric needs each pod's readiness history (the not-ready rules).
    cpu: bool,
    memory: HpaMemory,
    predictive: Option<Predictor>,
    /// The first metric's current value at the last sync (time series).
    pub metric_value: Option<f64>,
}

struct Predictor {
    /// Observations needed before forecasting (`linear`: half its window, so that a fit
    /// over two cold-start points does not drive the scale).
    warm_steps: u64,
    forecaster: Forecaster,
    error: ForecastError,
    lead: SimDuration,
    step: u64,
}

impl HpaState {
    fn new(sc: &Scenario, w: usize) -> Option<Self> {
        let wl = &sc.workloads[w];
        let a = wl.autoscaling.as_ref()?;
        let predictive = a.predictive.as_ref().map(|p| {
            let model = match p.model {
                ForecastSpec::Linear { window } => ForecastModel::Linear {
                    window_s: window.as_secs_f64(),
                },
                ForecastSpec::SeasonalNaive { period } => ForecastModel::SeasonalNaive {
                    period_s: period.as_secs_f64(),
                },
                ForecastSpec::HoltWinters {
                    period,
                    alpha,
                    beta,
                    gamma,
                } => ForecastModel::HoltWinters {
                    period_s: period.as_secs_f64(),
                    alpha,
                    beta,
                    gamma,
                },
            };
            let warm_steps = match p.model {
                ForecastSpec::Linear { window } => {
                    (window.as_secs_f64() / 2.0 / a.hpa.sync_period.as_secs_f64()).ceil() as u64
                }
                _ => 0,
            };
            Predictor {
                warm_steps,
                forecaster: Forecaster::new(model, a.hpa.sync_period.as_secs_f64()),
                error: ForecastError::new(),
                lead: p.lead.unwrap_or_else(|| auto_lead(sc, w)),
                step: 0,
            }
        });
        Some(HpaState {
            arrivals: 0.0,
            cpu_s: 0.0,
            scrapes: VecDeque::new(),
            recent: VecDeque::new(),
            cpu: a
                .hpa
                .metrics
                .iter()
                .any(|m| matches!(m, HpaMetric::CpuUtilization(_))),
            memory: HpaMemory::default(),
            predictive,
            metric_value: None,
        })
    }

    /// MAPE of the forecasts the predictive scaler used (`None`: none scored).
    pub fn forecast_error(&self) -> Option<f64> {
        self.predictive.as_ref().and_then(|p| p.error.mape())
    }
}

/// `lead: auto`: scheduling, container start, the first readiness probe, endpoint
/// propagation (means) and one sync period — how long a pod asked for now takes to serve.
fn auto_lead(sc: &Scenario, w: usize) -> SimDuration {
    let wl = &sc.workloads[w];
    let cp = &sc.control_plane;
    let readiness = wl
        .probes
        .readiness
        .as_ref()
        .map_or(0.0, |p| (p.initial_delay + p.period).as_secs_f64());
    let hpa = &wl.autoscaling.as_ref().expect("autoscaled").hpa;
    SimDuration::from_secs_f64(
        cp.scheduling_delay.mean_s()
            + wl.start.mean_s()
            + readiness
            + cp.endpoint_delay.mean_s()
            + hpa.sync_period.as_secs_f64(),
    )
}

/// How the pods of a workload look to the replica calculator at one sync.
#[derive(Clone, Copy, Debug, Default)]
struct PodGroups {
    /// Pods with a metric in the window.
    with_metric: u32,
    /// Of those, not ready by the CPU rules.
    cpu_unready: u32,
    /// Pods that count (not Pending, not being deleted) but have no metric.
    missing: u32,
}

impl World<'_> {
    pub(super) fn autoscalers_new(sc: &Scenario) -> Vec<Option<HpaState>> {
        (0..sc.workloads.len())
            .map(|w| HpaState::new(sc, w))
            .collect()
    }

    /// The first scrape and sync of every HPA (scrapes at k·`metric_window`, syncs at
    /// k·`sync_period`, from 0).
    pub(super) fn start_autoscalers(&mut self, eng: &mut Eng) {
        for w in 0..self.sc.workloads.len() {
            if self.autoscalers[w].is_some() {
                let workload = w as u32;
                // Both at 0, the scrape first: at every later instant a scrape and a sync
                // share, the scrape (scheduled a step earlier) runs first too, so a
                // `metrics_delay` of 0 sees the window that ends now.
                eng.schedule_at(SimTime::ZERO, Event::HpaScrape { workload });
                eng.schedule_at(SimTime::ZERO, Event::HpaSync { workload });
            }
        }
    }

    /// metrics-server (or Prometheus) takes a sample of the counters.
    pub(super) fn hpa_scrape(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let hpa = &self.sc.workloads[w]
            .autoscaling
            .as_ref()
            .expect("autoscaled")
            .hpa;
        // Enough history for the oldest window a sync may still ask for.
        let keep = hpa.metrics_delay + hpa.metric_window + hpa.metric_window;
        let window = hpa.metric_window;
        let st = self.autoscalers[w].as_mut().expect("autoscaled");
        st.scrapes.push_back((now, st.arrivals, st.cpu_s));
        while st.scrapes.len() > 2 && now.since(st.scrapes[1].0) > keep {
            st.scrapes.pop_front();
        }
        eng.schedule_in(window, Event::HpaScrape { workload: w as u32 });
    }

    /// One sync of the HPA: metrics → replica calculator → predictive → behavior → scale.
    pub(super) fn hpa_sync(&mut self, eng: &mut Eng, w: usize) {
        let now = eng.now();
        let sc = self.sc;
        let wl = &sc.workloads[w];
        let hpa = &wl.autoscaling.as_ref().expect("autoscaled").hpa;
        eng.schedule_in(hpa.sync_period, Event::HpaSync { workload: w as u32 });
        let current = self.rollouts[w].replicas;
        let window = self.metric_window_at(w, now, hpa);
        let mut desired: Option<u32> = None;
        let mut reason = String::new();
        if let Some((b, arrivals, cpu_s)) = window {
            let groups = self.pod_groups(w, now, b, hpa);
            let w_s = hpa.metric_window.as_secs_f64();
            let rate = arrivals / w_s;
            let mut first_value = None;
            for m in &hpa.metrics {
                let (target, sample, what) = self.metric_sample(w, *m, &groups, rate, cpu_s / w_s);
                if let Some((n, value)) =
                    replicas_for_metric(current, target, hpa.tolerance, &sample)
                {
                    first_value.get_or_insert(value);
                    if desired.is_none_or(|d| n > d) {
                        desired = Some(n);
                        reason = format!(
                            "{what} {} (target {}) asks {n}",
                            show(*m, value),
                            show(*m, target)
                        );
                    }
                }
            }
            self.autoscalers[w]
                .as_mut()
                .expect("autoscaled")
                .metric_value = first_value;
            if let Some((n, why)) = self.predict(w, now, b, rate, hpa)
                && desired.is_none_or(|d| n > d)
            {
                desired = Some(n);
                reason = why;
            }
        }
        let st = self.autoscalers[w].as_mut().expect("autoscaled");
        let (applied, limit) = st.memory.decide(hpa, now, current, desired);
        if applied == current {
            return;
        }
        st.memory.scaled(hpa, now, current, applied);
        self.rec.scaled(w, now, applied > current);
        self.log(now, TraceKind::Scaled, |_| {
            let why = if reason.is_empty() {
                "bounds".to_string()
            } else {
                reason.clone()
            };
            let limit = if limit == Why::DesiredWithinRange {
                String::new()
            } else {
                format!("; limited: {}", limit.name())
            };
            (
                wl.name.clone(),
                format!("{current} → {applied}: {why}{limit}"),
            )
        });
        self.scale(eng, w, applied);
    }

    /// The newest window the HPA can see at `now`: its end `b ≤ now − metrics_delay` and the
    /// counters' growth over `[b − metric_window, b]`.
    fn metric_window_at(&self, w: usize, now: SimTime, hpa: &Hpa) -> Option<(SimTime, f64, f64)> {
        let st = self.autoscalers[w].as_ref().expect("autoscaled");
        let newest = SimTime(now.0.checked_sub(hpa.metrics_delay.0)?);
        let end = st.scrapes.iter().rposition(|s| s.0 <= newest)?;
        let (b, a1, c1) = st.scrapes[end];
        let start = st
            .scrapes
            .iter()
            .position(|s| s.0.0 + hpa.metric_window.0 == b.0)?;
        let (_, a0, c0) = st.scrapes[start];
        Some((b, a1 - a0, c1 - c0))
    }

    /// A container of `pod` started: it has no metric until it has run a whole window.
    pub(super) fn hpa_container_started(&mut self, pod: PodId, now: SimTime) {
        let p = &self.pods[pod];
        if let Some(st) = &mut self.autoscalers[p.workload] {
            st.recent.push_back((now, pod, p.cgen));
        }
    }

    /// `groupPods`: deleted and Pending pods are ignored; a pod has a metric when its
    /// container has run for the whole window. Counted from the index (started and running
    /// pods) less the running containers that started inside the window: O(pods started
    /// lately), not O(pods). A CPU metric also needs the not-ready rules (`cpu_groups`).
    fn pod_groups(&mut self, w: usize, now: SimTime, b: SimTime, hpa: &Hpa) -> PodGroups {
        let from = SimTime(b.0.saturating_sub(hpa.metric_window.0));
        let pods = &self.pods;
        let st = self.autoscalers[w].as_mut().expect("autoscaled");
        // Windows only move forward: starts at or before this one's beginning never matter.
        while st.recent.front().is_some_and(|e| e.0 <= from) {
            st.recent.pop_front();
        }
        let young_running = st
            .recent
            .iter()
            .filter(|&&(_, pod, cgen)| {
                pods.is_live(pod) && {
                    let p = &pods[pod];
                    p.cgen == cgen && p.indexed.running()
                }
            })
            .count() as u32;
        let ix = &self.wix[w];
        let with_metric = ix.running - young_running;
        let mut g = PodGroups {
            with_metric,
            cpu_unready: 0,
            missing: ix.started - with_metric,
        };
        if st.cpu {
            g.cpu_unready = self.cpu_unready(w, now, b, from, hpa);
        }
        g
    }

    /// The CPU not-ready rules over the pods with a metric: in its initialization period a
    /// pod counts as not ready unless Ready since before the window; after it, only if it
    /// never became Ready after its first `initial_readiness_delay`. A walk over the pods.
    fn cpu_unready(&self, w: usize, now: SimTime, b: SimTime, from: SimTime, hpa: &Hpa) -> u32 {
        let mut unready = 0;
        for pod in self.wix[w].live_pods() {
            let p = &self.pods[pod];
            let Some(started) = p.started_at else {
                continue;
            };
            if !p.indexed.running() || p.container_start > from {
                continue;
            }
            let not_ready = if now < started + hpa.cpu_initialization_period {
                !p.api_ready || b < p.ready_changed + hpa.metric_window
            } else {
                !p.api_ready && p.ready_changed < started + hpa.initial_readiness_delay
            };
            unready += u32::from(not_ready);
        }
        unready
    }

    /// One metric as the replica calculator sees it, with its target and name.
    fn metric_sample(
        &self,
        w: usize,
        m: HpaMetric,
        g: &PodGroups,
        rate: f64,
        cpu_cores: f64,
    ) -> (f64, MetricSample, &'static str) {
        let server = &self.sc.workloads[w].server;
        match m {
            HpaMetric::RequestsPerPod(target) => (
                target,
                MetricSample {
                    ready_sum: rate,
                    ready: g.with_metric,
                    unready: 0,
                    missing: g.missing,
                    missing_down_value: target,
                    whole_percent: false,
                },
                "requests_per_pod",
            ),
            HpaMetric::CpuUtilization(target) => {
                let request = self.sc.workloads[w].resources.cpu_milli as f64 / 1000.0;
                let ready = g.with_metric - g.cpu_unready;
                // Unready pods are out of the endpoints: idle. The ready ones did the work.
                let used = ready as f64 * server.cpu_idle_cores + cpu_cores;
                (
                    target,
                    MetricSample {
                        ready_sum: used / request,
                        ready,
                        unready: g.cpu_unready,
                        missing: g.missing,
                        missing_down_value: target.max(1.0),
                        whole_percent: true,
                    },
                    "cpu_utilization",
                )
            }
        }
    }

    /// Predictive scaling: learn the rate the metrics showed, forecast it `lead` past now (the
    /// observation is `now − b` old), and turn it into replicas with the HPA's targets.
    fn predict(
        &mut self,
        w: usize,
        now: SimTime,
        b: SimTime,
        rate: f64,
        hpa: &Hpa,
    ) -> Option<(u32, String)> {
        let wl = &self.sc.workloads[w];
        let st = self.autoscalers[w].as_mut().expect("autoscaled");
        let p = st.predictive.as_mut()?;
        p.forecaster.observe(rate);
        p.error.actual(p.step, rate);
        let ahead = p.lead + now.since(b);
        let forecast = p.forecaster.forecast(ahead.as_secs_f64());
        let steps = (ahead.as_secs_f64() / hpa.sync_period.as_secs_f64()).round() as u64;
        if let Some(f) = forecast {
            p.error.predicted(p.step + steps.max(1), f);
        }
        p.step += 1;
        if p.step < p.warm_steps {
            return None;
        }
        let f = forecast?;
        let n = hpa
            .metrics
            .iter()
            .map(|m| match *m {
                HpaMetric::RequestsPerPod(target) => (f / target).ceil(),
                HpaMetric::CpuUtilization(target) => {
                    let request = wl.resources.cpu_milli as f64 / 1000.0;
                    let room = target * request - wl.server.cpu_idle_cores;
                    if room <= 0.0 {
                        hpa.max as f64
                    } else {
                        (wl.server.cpu_per_request_s * f / room).ceil()
                    }
                }
            })
            .fold(0.0f64, f64::max)
            .clamp(0.0, hpa.max as f64) as u32;
        Some((n, format!("forecast {f:.1}/s in {} asks {n}", ahead)))
    }

    /// The one way the scale of a workload changes (`spec.replicas`). A Deployment mid-rollout
    /// grows its newest ReplicaSet and shrinks the oldest ones first (Kubernetes splits the
    /// change proportionally; kubesim simplifies).
    pub(super) fn scale(&mut self, eng: &mut Eng, w: usize, n: u32) {
        let ro = &mut self.rollouts[w];
        let old = ro.replicas;
        ro.replicas = n;
        match self.sc.workloads[w].kind {
            WorkloadKind::Deployment => {
                let last = ro.sets.len() - 1;
                if n > old {
                    ro.sets[last].spec += n - old;
                } else {
                    let mut cut = old - n;
                    for rs in ro.sets.iter_mut() {
                        let d = cut.min(rs.spec);
                        rs.spec -= d;
                        cut -= d;
                    }
                }
            }
            WorkloadKind::StatefulSet => {
                for ordinal in old.min(n)..old.max(n) {
                    self.refresh_blocking(w, ordinal);
                }
            }
        }
        self.reconcile(eng, w);
    }
}

fn show(m: HpaMetric, v: f64) -> String {
    match m {
        HpaMetric::RequestsPerPod(_) => format!("{v:.1}/s"),
        HpaMetric::CpuUtilization(_) => format!("{:.0}%", v * 100.0),
    }
}
