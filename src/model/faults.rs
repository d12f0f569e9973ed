//! Scripted faults of the scenario (`faults:`), applied at their time; a recurring one
//! (`every`) reschedules itself.

use super::*;
use crate::scenario::{FaultAction, FaultTime};

impl World<'_> {
    /// Schedules fault `index`'s first (or only) occurrence: at `at`, or a draw of `every`
    /// after t = 0.
    pub(super) fn schedule_scripted_fault(&mut self, eng: &mut Eng, index: usize) {
        let delay = match &self.sc.faults[index].when {
            FaultTime::At(at) => *at,
            FaultTime::Every(every) => every.sample(&mut self.rng.recurring_faults[index]),
        };
        eng.schedule_in(
            delay,
            Event::ScriptedFault {
                index: index as u32,
            },
        );
    }

    pub(super) fn scripted_fault(&mut self, eng: &mut Eng, index: usize) {
        let now = eng.now();
        let fault = &self.sc.faults[index];
        // The zone first, then the next interval: both from the fault's own stream, so its
        // draws never depend on what the model does.
        let zone = match fault.action {
            FaultAction::ZoneOutage { zone: None, .. } => {
                let zones = self.zone_nodes.len();
                let u = crate::rng::unit(&mut self.rng.recurring_faults[index]);
                Some(((u * zones as f64) as usize).min(zones - 1))
            }
            FaultAction::ZoneOutage { zone, .. } => zone,
            _ => None,
        };
        if let FaultTime::Every(every) = &fault.when {
            // Renewal: the next occurrence counts from this one, not from the end of its `for`.
            let next = every.sample(&mut self.rng.recurring_faults[index]);
            eng.schedule_in(
                next,
                Event::ScriptedFault {
                    index: index as u32,
                },
            );
        }
        let target = match self.sc.faults[index].action {
            FaultAction::KillNode { node, .. } => Some(("kill_node", node)),
            FaultAction::PartitionNode { node, .. } => Some(("partition_node", node)),
            FaultAction::DrainNode { node, .. } => Some(("drain_node", node)),
            _ => None,
        };
        // A node of an autoscaled pool may be gone (scaled down): the fault has nothing to
        // act on, which is said, not silently skipped (nor an uncordon of a deleted node).
        if let Some((fault, node)) = target
            && self.nodes[node].removed
        {
            self.rec.fault_missed();
            self.log(now, TraceKind::FaultMissed, |w| {
                (
                    w.node_name(NodeId(node as u32)),
                    format!("{fault}: node removed by the cluster autoscaler"),
                )
            });
            return;
        }
        match self.sc.faults[index].action.clone() {
            FaultAction::KillNode { node, duration } => {
                let node = NodeId(node as u32);
                let repair = duration.or_else(|| self.random_repair_time(node));
                self.fail_node(eng, node, repair);
            }
            FaultAction::ZoneOutage {
                zone: named,
                duration,
            } => {
                let zone = zone.expect("a zone outage has a zone");
                self.log(now, TraceKind::ZoneOutage, |w| {
                    let detail = match (named, duration) {
                        (None, Some(d)) => format!("drawn at random (any), for {d}"),
                        (None, None) => "drawn at random (any)".to_string(),
                        (Some(_), Some(d)) => format!("for {d}"),
                        (Some(_), None) => String::new(),
                    };
                    (w.zone_names[zone].clone(), detail)
                });
                for i in 0..self.zone_nodes[zone].len() {
                    let node = self.zone_nodes[zone][i];
                    let repair = duration.or_else(|| self.random_repair_time(node));
                    self.fail_node_because(eng, node, repair, DownCause::ZoneOutage);
                }
            }
            FaultAction::KillPod { workload, ordinal } => match self.running_pod(workload, ordinal)
            {
                Some(pod) => {
                    self.log(now, TraceKind::KillPod, |w| {
                        (w.pod_name(pod), String::new())
                    });
                    self.exit_container(eng, pod);
                }
                _ => self.fault_missed(now, "kill_pod", workload, ordinal),
            },
            FaultAction::HangPod {
                workload,
                ordinal,
                duration,
            } => match self.running_pod(workload, ordinal) {
                Some(pod) if !self.pods[pod].hung => self.hang(eng, pod, duration, true),
                _ => self.fault_missed(now, "hang_pod", workload, ordinal),
            },
            FaultAction::Rollout { workload } => self.start_rollout(eng, workload),
            FaultAction::PartitionNode { node, duration } => {
                self.partition_node(eng, NodeId(node as u32), duration)
            }
            FaultAction::DrainNode { node, duration } => {
                self.drain_node(eng, NodeId(node as u32), duration)
            }
        }
    }

    /// The pod `<workload>-<ordinal>` if it exists and its container runs (starting or
    /// listening): what a scripted pod fault can act on.
    fn running_pod(&self, workload: usize, ordinal: u32) -> Option<PodId> {
        self.live_pod(workload, ordinal)
            .filter(|&pod| matches!(self.pods[pod].proc, Proc::Starting | Proc::Listening))
    }

    /// A scripted pod fault that found no running container of its target: a visible
    /// event and a count in the run's metrics, never a silent no-op.
    fn fault_missed(&mut self, now: SimTime, fault: &str, workload: usize, ordinal: u32) {
        self.rec.fault_missed();
        self.log(now, TraceKind::FaultMissed, |w| {
            (
                format!("{}-{ordinal}", w.sc.workloads[workload].name),
                format!("{fault}: no running container"),
            )
        });
    }
}
