//! The typed event log of a run (tests and `events.csv`): what happened, to which entity,
//! with a short detail. Built only when tracing is on, so untraced runs pay nothing.

use crate::time::SimTime;

/// What happened. `as_str` is the `kind` column of `events.csv`; plots match on the enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceKind {
    NodeFailed,
    NodeRepaired,
    NodePartitioned,
    PartitionHealed,
    NodeNotReady,
    /// The node lifecycle controller's NoExecute taint (the toleration clock starts).
    NodeTainted,
    /// The taint is removed (the node is Ready again, or every zone is down).
    TaintLifted,
    /// A zone's disruption state changed (entity: zone, or `cluster` for all zones).
    ZoneState,
    TaintEviction,
    Created,
    Unschedulable,
    Bound,
    ContainerStart,
    Listening,
    Crash,
    /// A container exited; detail says when the kubelet restarts it.
    Exited,
    Hang,
    HangEnded,
    ProbeKill,
    Deleted,
    Removed,
    Probe,
    /// The pod's Ready condition in the API server (detail: true or false).
    Ready,
    Endpoints,
    Serving,
    KillPod,
    /// A `zone_outage` fault (entity: the zone; detail: `drawn at random (any)` for
    /// `zone_outage: any`, and its `for`); its nodes' `node-failed` rows follow.
    ZoneOutage,
    /// A `rollout` fault: a new template version (detail: the version).
    RolloutStarted,
    /// Every pod updated and available (detail: how long it took).
    RolloutComplete,
    /// No progress for `progress_deadline` (ProgressDeadlineExceeded; it goes on).
    RolloutStalled,
    /// A scripted fault found nothing to act on (its target does not exist or is not running).
    FaultMissed,
    /// The Eviction API deleted a pod (detail: its node).
    Evicted,
    /// The Eviction API refused (429): the pod's disruption budget would be violated.
    EvictionRefused,
    /// A node is marked unschedulable (a drain).
    Cordoned,
    Uncordoned,
    /// The HPA changed a workload's scale (detail: from → to, the metric and what limited it).
    Scaled,
    /// The cluster autoscaler asked for a node (detail: pool and reason); it boots.
    NodeAdded,
    /// A new node registered Ready.
    NodeReady,
    /// The scale-down found the node unneeded (its timer starts).
    NodeUnneeded,
    /// The scale-down deleted the node.
    NodeRemoved,
    /// A new node was not Ready by `max_node_provision_time`: dropped, its pool backs off.
    ScaleUpFailed,
}

impl TraceKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            TraceKind::NodeFailed => "node-failed",
            TraceKind::NodeRepaired => "node-repaired",
            TraceKind::NodePartitioned => "node-partitioned",
            TraceKind::PartitionHealed => "partition-healed",
            TraceKind::NodeNotReady => "node-not-ready",
            TraceKind::NodeTainted => "node-tainted",
            TraceKind::TaintLifted => "taint-lifted",
            TraceKind::ZoneState => "zone-state",
            TraceKind::TaintEviction => "taint-eviction",
            TraceKind::Created => "created",
            TraceKind::Unschedulable => "unschedulable",
            TraceKind::Bound => "bound",
            TraceKind::ContainerStart => "container-start",
            TraceKind::Listening => "listening",
            TraceKind::Crash => "crash",
            TraceKind::Exited => "exited",
            TraceKind::Hang => "hang",
            TraceKind::HangEnded => "hang-ended",
            TraceKind::ProbeKill => "probe-kill",
            TraceKind::Deleted => "deleted",
            TraceKind::Removed => "removed",
            TraceKind::Probe => "probe",
            TraceKind::Ready => "ready",
            TraceKind::Endpoints => "endpoints",
            TraceKind::Serving => "serving",
            TraceKind::KillPod => "kill-pod",
            TraceKind::ZoneOutage => "zone-outage",
            TraceKind::RolloutStarted => "rollout-started",
            TraceKind::RolloutComplete => "rollout-complete",
            TraceKind::RolloutStalled => "rollout-stalled",
            TraceKind::FaultMissed => "fault-missed",
            TraceKind::Evicted => "evicted",
            TraceKind::EvictionRefused => "eviction-refused",
            TraceKind::Cordoned => "cordoned",
            TraceKind::Uncordoned => "uncordoned",
            TraceKind::Scaled => "scaled",
            TraceKind::NodeAdded => "node-added",
            TraceKind::NodeReady => "node-ready",
            TraceKind::NodeUnneeded => "node-unneeded",
            TraceKind::NodeRemoved => "node-removed",
            TraceKind::ScaleUpFailed => "scale-up-failed",
        }
    }

    /// Every kind, for readers that map text back (`events.csv` → plots).
    pub const ALL: [TraceKind; 41] = [
        TraceKind::NodeFailed,
        TraceKind::NodeRepaired,
        TraceKind::NodePartitioned,
        TraceKind::PartitionHealed,
        TraceKind::NodeNotReady,
        TraceKind::NodeTainted,
        TraceKind::TaintLifted,
        TraceKind::ZoneState,
        TraceKind::TaintEviction,
        TraceKind::Created,
        TraceKind::Unschedulable,
        TraceKind::Bound,
        TraceKind::ContainerStart,
        TraceKind::Listening,
        TraceKind::Crash,
        TraceKind::Exited,
        TraceKind::Hang,
        TraceKind::HangEnded,
        TraceKind::ProbeKill,
        TraceKind::Deleted,
        TraceKind::Removed,
        TraceKind::Probe,
        TraceKind::Ready,
        TraceKind::Endpoints,
        TraceKind::Serving,
        TraceKind::KillPod,
        TraceKind::ZoneOutage,
        TraceKind::RolloutStarted,
        TraceKind::RolloutComplete,
        TraceKind::RolloutStalled,
        TraceKind::FaultMissed,
        TraceKind::Evicted,
        TraceKind::EvictionRefused,
        TraceKind::Cordoned,
        TraceKind::Uncordoned,
        TraceKind::Scaled,
        TraceKind::NodeAdded,
        TraceKind::NodeReady,
        TraceKind::NodeUnneeded,
        TraceKind::NodeRemoved,
        TraceKind::ScaleUpFailed,
    ];

    pub fn parse(text: &str) -> Option<TraceKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Failures drawn as marks on the timeline plot.
    pub const fn is_failure(self) -> bool {
        matches!(
            self,
            TraceKind::NodeFailed
                | TraceKind::NodePartitioned
                | TraceKind::Crash
                | TraceKind::Hang
                | TraceKind::KillPod
                | TraceKind::ProbeKill
        )
    }
}

/// One line of the log: at `t`, `kind` happened to `entity` (a pod or node name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub t: SimTime,
    pub kind: TraceKind,
    pub entity: String,
    /// Free text that qualifies the event (`Readiness success`, `add`); may be empty.
    pub detail: String,
}

impl std::fmt::Display for TraceEvent {
    /// `kind entity[ detail]`: the form tests match on.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.entity)?;
        if !self.detail.is_empty() {
            write!(f, " {}", self.detail)?;
        }
        Ok(())
    }
}
