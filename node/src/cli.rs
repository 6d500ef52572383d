//! The `commonground` command line: `up` runs the node; every other command talks to the running
//! node over its HTTP API. Exit codes: 0 done, 2 input refused, 1 anything else.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use commonground_protocol::catalogue::IssueEntry;
use commonground_protocol::ids::{Day, ItemId};
use commonground_protocol::meeting::{MeetingEdit, MeetingKind, MeetingRecord, NewMeeting};
use commonground_protocol::plan::{
    ActionEdit, ActionKind, ActionStatus, AgendaChange, AuthorityMeetingEdit, NewAction,
    NewAuthorityMeeting, NewPlan, NewTarget, PlanEdit, PlanStatus, PlanView, TargetEdit,
    TargetKind,
};
use commonground_protocol::tally::TallyView;
use serde::Serialize;

use crate::api::{
    Archived, CreatePlan, Deleted, Forgotten, ImportLine, InviteView, IssueRename, JoinNetwork,
    NewCollaborator, NewInvite, NewIssue, NewNetwork, PeerView, PublishRequest, PublishedView,
    RoleChange, SettingsChange, SharePlan, StatusView, TallyAdd, TallyAdded,
};
use crate::client::{Client, ClientError};
use crate::config::{DataDir, LogFormat, default_data_dir};
use crate::daemon::{Node, UpOptions, signalled};
use commonground_protocol::network::NetworkView;
use commonground_protocol::network::Role;
use commonground_protocol::publish::{Cell, RegionView};

/// Common Ground: a node for community organising groups to count issues (never people) and plan
/// campaigns together, with no central server.
#[derive(Debug, Parser)]
#[command(name = "commonground", version, propagate_version = true)]
pub struct Cli {
    /// The node's data directory [default: the platform data directory, e.g.
    /// ~/.local/share/commonground]
    #[arg(long, global = true, env = "COMMONGROUND_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print results as JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands, by domain.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the node until Ctrl-C or SIGTERM (creates the data directory and the group's key on
    /// first run).
    Up(UpArgs),
    /// Show the running node's group, address and documents.
    Status,
    /// Count how many times issues were raised (counts only, never who).
    #[command(subcommand)]
    Tally(TallyCommand),
    /// The issues this group counts: built-in ones and its own.
    #[command(subcommand)]
    Issue(IssueCommand),
    /// Campaign plans.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Records of the group's own meetings.
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// Networks of groups that share plans: create, invite, join, members.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Connected nodes, and when each shared document was last in sync with them.
    Peers,
    /// Write a network's documents to a signed bundle file, for carrying where there is no
    /// connection (e.g. on a USB stick).
    Export {
        /// The network's id or a unique prefix.
        #[arg(long)]
        network: String,
        /// The file to write (it is replaced only once complete).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a bundle file made by `export`: every signature and rule is checked first; a
    /// changed, cut-short or foreign file is refused and nothing is written.
    Import {
        /// The bundle file.
        file: PathBuf,
    },
    /// The web page: access from other machines.
    #[command(subcommand)]
    Web(WebCommand),
    /// Take a document's history out for good: it is re-issued holding what it says now and
    /// none of its past versions, and the old one is deleted from this node's disk. Shared
    /// documents are replaced the same way on every member's node when they next sync; copies
    /// already carried away in bundles cannot be recalled. Edit the text out first: a document
    /// whose current text holds personal data is refused.
    #[command(subcommand)]
    Forget(ForgetCommand),
}

/// `forget` commands.
#[derive(Debug, Subcommand)]
pub enum ForgetCommand {
    /// A plan's history (any collaborator).
    Plan {
        /// The plan's id or a unique prefix.
        plan: String,
    },
    /// A network document's history (coordinators).
    Network {
        /// The network's id or a unique prefix.
        network: String,
    },
    /// This group's published tally in a network: its earlier publications.
    Published {
        /// The network's id or a unique prefix.
        network: String,
    },
    /// This group's raw tally: every increment made, leaving the counts as they are.
    Tally,
    /// This group's meeting records: deleted records and earlier wordings.
    Meetings,
}

/// `web` commands.
#[derive(Debug, Subcommand)]
pub enum WebCommand {
    /// Set the passphrase that other machines (a laptop or phone on the same Wi-Fi) must give to
    /// use the web page and the API; reads it from standard input. Loopback needs none.
    Passphrase,
}

/// `network` commands.
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Create a network, with this group as its first coordinator.
    Create {
        /// The network's name.
        #[arg(long)]
        name: String,
        /// How this group is named in it [default: the config's group_name]
        #[arg(long)]
        group_name: Option<String>,
    },
    /// List the networks this group belongs to.
    List,
    /// Show a network's members and roles.
    Members {
        /// The network's id or a unique prefix.
        network: String,
    },
    /// Make a one-time invite code for a new group (coordinators only).
    Invite {
        /// The network's id or a unique prefix.
        network: String,
        /// How long the code stays valid, e.g. 30m, 48h, 7d (at most 30d).
        #[arg(long, default_value = "48h")]
        expires: String,
        /// The role the joining group gets: member, aggregator (reads published tallies only,
        /// never receives a plan) or coordinator.
        #[arg(long, default_value = "member")]
        role: Role,
    },
    /// Join a network with an invite code: dials the inviter and proves the code.
    Join {
        /// The invite code (starts with cg1-).
        code: String,
        /// How this group is named in the network [default: the config's group_name]
        #[arg(long)]
        group_name: Option<String>,
    },
    /// Change a member's role (coordinators only).
    Role {
        /// The network's id or a unique prefix.
        network: String,
        /// The member group's id.
        group: String,
        /// coordinator, member or aggregator (reads published tallies only, never plans).
        role: Role,
    },
    /// Remove a member group (coordinators only): it stops receiving the network's documents;
    /// its past changes stay and its new ones are refused.
    Remove {
        /// The network's id or a unique prefix.
        network: String,
        /// The member group's id.
        group: String,
    },
    /// Set the small-cell threshold k: published counts below it show as "fewer than k"
    /// (coordinators only; 0 turns suppression off).
    Threshold {
        /// The network's id or a unique prefix.
        network: String,
        /// The threshold, 0 to 100.
        k: i64,
    },
    /// When a month may be published (coordinators only): once it is over in the network's
    /// time zone (the default), or while it goes on (--open-months true). With no option,
    /// shows the settings.
    Settings {
        /// The network's id or a unique prefix.
        network: String,
        /// Allow members to publish a month before it is over.
        #[arg(long, value_name = "true|false")]
        open_months: Option<bool>,
        /// The network's time zone as an offset from UTC, such as +01:00, -05:30 or 0: a month
        /// is over when it is over there.
        #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true, value_parser = parse_utc_offset)]
        utc_offset: Option<i64>,
    },
}

/// `+01:00`, `-05:30`, `+3`, `0` or `UTC` → minutes east of UTC.
fn parse_utc_offset(text: &str) -> Result<i64, String> {
    let t = text
        .trim()
        .trim_start_matches("UTC")
        .trim_start_matches("utc");
    if t.is_empty() || t == "0" {
        return Ok(0);
    }
    let (sign, rest) = match t.chars().next() {
        Some('+') => (1, &t[1..]),
        Some('-') => (-1, &t[1..]),
        Some('−') => (-1, &t['−'.len_utf8()..]),
        _ => (1, t),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let bad = || format!("{text:?} is not an offset from UTC: write it as +01:00, -05:30 or 0");
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if !(0..60).contains(&m) || !(0..=14).contains(&h) {
        return Err(bad());
    }
    let minutes = sign * (h * 60 + m);
    if !(-720..=840).contains(&minutes) {
        return Err(format!("{text:?} is outside -12:00 to +14:00"));
    }
    Ok(minutes)
}

/// Options of `up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Address of the local HTTP API and web page [default: 127.0.0.1:7465, or the config file's]
    #[arg(long, value_name = "ADDR:PORT")]
    pub http_listen: Option<SocketAddr>,
    /// Log format [default: text, or the config file's]
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// A config file to use instead of <DATA_DIR>/config.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A libp2p address to listen on, repeatable [default: TCP and QUIC on port 7466, or the
    /// config file's]
    #[arg(long, value_name = "MULTIADDR")]
    pub listen: Vec<String>,
    /// A node to dial at start, repeatable (e.g. /ip4/192.0.2.1/tcp/7466/p2p/12D3KooW...)
    #[arg(long, value_name = "MULTIADDR")]
    pub bootstrap: Vec<String>,
    /// Do not look for members on the local network (no LAN beacons)
    #[arg(long, alias = "no-mdns")]
    pub no_lan: bool,
    /// Also announce this group's id on the local network for this long (e.g. 10m, 1h), so that
    /// a group redeeming one of its invites on the same Wi-Fi finds it. Off by default: only
    /// members can read what the node sends.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub discoverable: Option<std::time::Duration>,
    /// Relay for the members of this node's networks while it is reachable from outside
    /// (`members`), or never (`off`), so that members behind home routers can reach each other
    /// through it [default: members, or the config file's]
    #[arg(long, value_enum, value_name = "MODE")]
    pub relay: Option<crate::net::reach::RelayMode>,
}

/// `tally` commands.
#[derive(Debug, Subcommand)]
pub enum TallyCommand {
    /// Add to an issue's count.
    Add {
        /// The issue key, e.g. housing or legal-aid (see `commonground issue list`).
        issue: String,
        /// How many more times it was raised (1 to 10,000).
        #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
        count: i64,
        /// The month, YYYY-MM [default: this month]
        #[arg(long)]
        period: Option<String>,
    },
    /// Show the counts of a month.
    Show {
        /// The month, YYYY-MM [default: this month]
        #[arg(long)]
        period: Option<String>,
    },
    /// Share this group's counts of a month with a network, small counts suppressed. Raw
    /// counts never leave this node; only what this writes does.
    Publish {
        /// The network's id or a unique prefix.
        #[arg(long)]
        network: String,
        /// The month, YYYY-MM [default: the last month that is over in the network's time
        /// zone, or this month where the network allows open months]
        #[arg(long)]
        period: Option<String>,
        /// Publish instead the merged counts of this network (a region publishing upward).
        #[arg(long, value_name = "NETWORK")]
        from: Option<String>,
    },
    /// What this group published of a month in a network, when, and what its members see.
    Published {
        /// The network's id or a unique prefix.
        #[arg(long)]
        network: String,
        /// The month, YYYY-MM [default: the month `tally publish` publishes when it names none]
        #[arg(long)]
        period: Option<String>,
    },
    /// A network's merged counts per issue: members' published counts summed, with honest
    /// ranges where some were suppressed.
    Region {
        /// The network's id or a unique prefix.
        #[arg(long)]
        network: String,
        /// The month, YYYY-MM [default: this month]
        #[arg(long)]
        period: Option<String>,
        /// Print CSV instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
}

/// `issue` commands.
#[derive(Debug, Subcommand)]
pub enum IssueCommand {
    /// List the issues this group can count.
    List,
    /// Add an issue of the group's own.
    Add {
        /// A lowercase key such as food-banks.
        key: String,
        /// The label shown to people.
        #[arg(long)]
        label: String,
    },
    /// Rename one of the group's own issues (its key and counts stay).
    Rename {
        /// The issue's key.
        key: String,
        /// The new label.
        #[arg(long)]
        label: String,
    },
}

/// `plan` commands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Create a plan.
    New {
        /// The campaign's name.
        #[arg(long)]
        title: String,
        /// What it wants to achieve.
        #[arg(long, default_value = "")]
        goal: String,
        /// The demands.
        #[arg(long, default_value = "")]
        demands: String,
        /// Share the plan in this network (id or unique prefix) [default: private to the group]
        #[arg(long)]
        network: Option<String>,
    },
    /// List plans (archived ones with --archived).
    List {
        /// List the archived plans instead.
        #[arg(long)]
        archived: bool,
    },
    /// Show a plan.
    Show {
        /// The plan's id or a unique prefix of it (at least 4 characters).
        plan: String,
    },
    /// Change a plan's title, goal, demands or status.
    Edit {
        /// The plan's id or a unique prefix.
        plan: String,
        /// A new title.
        #[arg(long)]
        title: Option<String>,
        /// A new goal.
        #[arg(long)]
        goal: Option<String>,
        /// New demands.
        #[arg(long)]
        demands: Option<String>,
        /// A new status.
        #[arg(long)]
        status: Option<PlanStatus>,
    },
    /// Archive a plan: it leaves the plan list and is kept; any collaborator can restore it.
    Archive {
        /// The plan's id or a unique prefix.
        plan: String,
    },
    /// Restore an archived plan.
    Restore {
        /// The plan's id or a unique prefix.
        plan: String,
    },
    /// Share a private plan with a network: it becomes a new plan of the network, with its
    /// content as it is now (not its history), and the private plan is archived.
    Share {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The network's id or a unique prefix.
        #[arg(long)]
        network: String,
    },
    /// A plan's actions.
    #[command(subcommand)]
    Action(ActionCommand),
    /// A plan's power map: targets and allies, by role (never by name).
    #[command(subcommand)]
    Target(TargetCommand),
    /// A plan's meetings with authorities, with their agendas.
    #[command(subcommand)]
    Meeting(AuthorityMeetingCommand),
    /// The groups that write a plan together.
    #[command(subcommand)]
    Collaborator(CollaboratorCommand),
}

/// `plan collaborator` commands.
#[derive(Debug, Subcommand)]
pub enum CollaboratorCommand {
    /// Let another member group of the plan's network write it too.
    Add {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The group's id.
        group: String,
    },
    /// Stop a group writing the plan (a plan keeps at least one collaborator).
    Remove {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The group's id.
        group: String,
    },
}

/// `plan action` commands.
#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Add an action.
    Add {
        /// The plan's id or a unique prefix.
        plan: String,
        /// What the action is.
        #[arg(long)]
        title: String,
        /// When, YYYY-MM-DD.
        #[arg(long)]
        date: Option<Day>,
        /// meeting, public-action, training, one-to-ones or other.
        #[arg(long, default_value = "other")]
        kind: ActionKind,
        /// Notes.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Change an action: only the fields given are written.
    #[command(visible_alias = "set")]
    Edit {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The action's id (shown by `plan show`).
        action: ItemId,
        /// A new title.
        #[arg(long)]
        title: Option<String>,
        /// A new date, YYYY-MM-DD.
        #[arg(long, conflicts_with = "no_date")]
        date: Option<Day>,
        /// Take the date off.
        #[arg(long)]
        no_date: bool,
        /// A new kind.
        #[arg(long)]
        kind: Option<ActionKind>,
        /// planned, done or cancelled.
        #[arg(long)]
        status: Option<ActionStatus>,
        /// New notes.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Delete an action.
    Delete {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The action's id.
        action: ItemId,
    },
}

/// `plan target` commands.
#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Add a target or ally.
    Add {
        /// The plan's id or a unique prefix.
        plan: String,
        /// target or ally.
        #[arg(long, default_value = "target")]
        kind: TargetKind,
        /// The role, e.g. "Cabinet member for housing" (never a name).
        #[arg(long)]
        role: String,
        /// The institution, e.g. "City Council".
        #[arg(long, default_value = "")]
        institution: String,
        /// Power over the goal, 1 to 5.
        #[arg(long)]
        influence: i64,
        /// Where they stand, -2 (opposed) to 2 (supportive).
        #[arg(long, allow_negative_numbers = true)]
        stance: i64,
    },
    /// Change a target or ally: only the fields given are written.
    Edit {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The target's id (shown by `plan show`).
        target: ItemId,
        /// target or ally.
        #[arg(long)]
        kind: Option<TargetKind>,
        /// A new role (never a name).
        #[arg(long)]
        role: Option<String>,
        /// A new institution.
        #[arg(long)]
        institution: Option<String>,
        /// Power over the goal, 1 to 5.
        #[arg(long)]
        influence: Option<i64>,
        /// Where they stand, -2 to 2.
        #[arg(long, allow_negative_numbers = true)]
        stance: Option<i64>,
    },
    /// Delete a target or ally.
    Delete {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The target's id.
        target: ItemId,
    },
}

/// `plan meeting` commands.
#[derive(Debug, Subcommand)]
pub enum AuthorityMeetingCommand {
    /// Add a meeting with an authority.
    Add {
        /// The plan's id or a unique prefix.
        plan: String,
        /// Who with, by role and institution.
        #[arg(long)]
        with: String,
        /// When, YYYY-MM-DD.
        #[arg(long)]
        date: Day,
        /// An agenda item (repeat for several, in order).
        #[arg(long = "agenda")]
        agenda: Vec<String>,
    },
    /// Change a meeting with an authority: only the fields given are written.
    Edit {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The meeting's id (shown by `plan show`).
        meeting: ItemId,
        /// Who with, by role and institution.
        #[arg(long)]
        with: Option<String>,
        /// When, YYYY-MM-DD.
        #[arg(long)]
        date: Option<Day>,
        /// What came of it.
        #[arg(long)]
        outcome: Option<String>,
    },
    /// Delete a meeting with an authority, with its agenda.
    Delete {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The meeting's id.
        meeting: ItemId,
    },
    /// A meeting's agenda: add, edit, delete and move items.
    #[command(subcommand)]
    Agenda(AgendaCommand),
}

/// `plan meeting agenda` commands.
#[derive(Debug, Subcommand)]
pub enum AgendaCommand {
    /// Add an item (at the end, or at --position, 1 = first).
    Add {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The meeting's id.
        meeting: ItemId,
        /// The item.
        text: String,
        /// Where it goes, 1 = first [default: last]
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        position: Option<u32>,
    },
    /// Change an item's text.
    Edit {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The meeting's id.
        meeting: ItemId,
        /// The item's id.
        item: ItemId,
        /// Its new text.
        text: String,
    },
    /// Delete an item.
    Delete {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The meeting's id.
        meeting: ItemId,
        /// The item's id.
        item: ItemId,
    },
    /// Move an item to a place in the agenda (1 = first).
    Move {
        /// The plan's id or a unique prefix.
        plan: String,
        /// The meeting's id.
        meeting: ItemId,
        /// The item's id.
        item: ItemId,
        /// Its new place, 1 = first.
        #[arg(value_parser = clap::value_parser!(u32).range(1..))]
        position: u32,
    },
}

/// `meeting` commands.
#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Record a meeting: how many came and which issues were raised (added to the tally).
    Record {
        /// The day, YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<Day>,
        /// weekly-meeting, one-to-ones, public-meeting, training or other.
        #[arg(long, default_value = "weekly-meeting")]
        kind: MeetingKind,
        /// How many people came.
        #[arg(long)]
        attendees: u64,
        /// An issue raised and how often, as KEY=COUNT (repeat for several).
        #[arg(long = "issue", value_name = "KEY=COUNT", value_parser = parse_issue_count)]
        issues: Vec<(String, i64)>,
        /// A decision taken (repeat for several).
        #[arg(long = "decision")]
        decisions: Vec<String>,
    },
    /// List recorded meetings, with their ids.
    List,
    /// Change a meeting record: only the fields given are written; the tally follows (a new
    /// date moves its counts to that month).
    Edit {
        /// The record's id (shown by `meeting list`).
        id: ItemId,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: Option<Day>,
        /// weekly-meeting, one-to-ones, public-meeting, training or other.
        #[arg(long)]
        kind: Option<MeetingKind>,
        /// How many people came.
        #[arg(long)]
        attendees: Option<u64>,
        /// The issues raised, as KEY=COUNT (repeat; replaces the record's list).
        #[arg(long = "issue", value_name = "KEY=COUNT", value_parser = parse_issue_count)]
        issues: Vec<(String, i64)>,
        /// Remove every issue from the record.
        #[arg(long, conflicts_with = "issues")]
        no_issues: bool,
        /// The decisions (repeat; replaces the record's list).
        #[arg(long = "decision")]
        decisions: Vec<String>,
        /// Remove every decision from the record.
        #[arg(long, conflicts_with = "decisions")]
        no_decisions: bool,
    },
    /// Delete a meeting record: its counts leave the tally.
    Delete {
        /// The record's id.
        id: ItemId,
    },
}

fn parse_issue_count(s: &str) -> Result<(String, i64), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not KEY=COUNT"))?;
    let n = v
        .trim()
        .parse()
        .map_err(|_| format!("`{v}` is not a whole number"))?;
    Ok((k.trim().to_string(), n))
}

/// A command's failure: the message to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What to tell the user.
    pub message: String,
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Self {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

/// How other nodes reach this one, in words.
fn reachability_text(s: &StatusView) -> String {
    use crate::net::reach::Reachability;
    let reach = match &s.reachability {
        Reachability::Unknown => {
            "not known yet (members check it once they are connected)".to_string()
        }
        Reachability::Direct { address } => format!("directly, at {address}"),
        Reachability::Relayed { relay } => format!(
            "through {}'s relay (no direct address: this node is behind a router)",
            s.relay_name.as_deref().unwrap_or(relay)
        ),
        Reachability::Unreachable => "not reachable from outside: ask a member with a public \
            address to relay (members on this LAN, and bundles, still work)"
            .to_string(),
    };
    if s.relaying {
        format!(
            "{reach}\nrelaying:  for members of this node's networks ({} hold a slot)",
            s.relayed_members
        )
    } else {
        reach
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let data_dir = DataDir::new(cli.data_dir.clone().unwrap_or_else(default_data_dir));
    let out = Output { json: cli.json };
    if let Command::Up(args) = cli.command {
        return up(data_dir, args).await;
    }
    if let Command::Web(WebCommand::Passphrase) = cli.command {
        return set_passphrase(&data_dir);
    }
    let client = Client::for_data_dir(&data_dir)?;
    match cli.command {
        Command::Up(_) | Command::Web(_) => unreachable!("handled above"),
        Command::Status => {
            let s: StatusView = client.get("/status").await?;
            out.show(&s, || {
                let docs: Vec<String> = s.documents.iter().map(|(k, n)| format!("{n} {k}")).collect();
                let storage = s
                    .storage
                    .as_ref()
                    .map(|e| format!("\nstorage:   FAILING: {e}; nothing new is stored until that is fixed (the node goes on by itself)"))
                    .unwrap_or_default();
                format!(
                    "group:     {} ({})\nversion:   {}\napi:       http://{}/api/v1\nweb page:  http://{}/\ndata dir:  {}\ndocuments: {}\nlistening: {}\nreachable: {}{storage}",
                    s.group, s.group_name, s.version, s.http, s.http, data_dir.path().display(), docs.join(", "), s.listen.join("\n           "), reachability_text(&s)
                )
            });
        }
        Command::Tally(TallyCommand::Add {
            issue,
            count,
            period,
        }) => {
            let added: TallyAdded = client
                .post(
                    "/tally",
                    &TallyAdd {
                        issue,
                        count: Some(count),
                        period,
                    },
                )
                .await?;
            out.show(&added, || {
                format!("{}: {} in {}", added.issue, added.count, added.period)
            });
        }
        Command::Tally(TallyCommand::Show { period }) => {
            let path = match &period {
                Some(p) => format!("/tally?period={}", check_segment(p)?),
                None => "/tally".into(),
            };
            let view: TallyView = client.get(&path).await?;
            out.show(&view, || show_tally(&view));
        }
        Command::Issue(IssueCommand::List) => {
            let list: Vec<IssueEntry> = client.get("/issues").await?;
            out.show(&list, || {
                list.iter()
                    .map(|e| {
                        let own = if e.built_in { "" } else { "  (own)" };
                        format!("{:<20} {}{own}", e.key, e.label)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Issue(IssueCommand::Add { key, label }) => {
            let e: IssueEntry = client.post("/issues", &NewIssue { key, label }).await?;
            out.show(&e, || format!("added issue {} ({})", e.key, e.label));
        }
        Command::Issue(IssueCommand::Rename { key, label }) => {
            let path = format!("/issues/{}", check_segment(&key)?);
            let e: IssueEntry = client.patch(&path, &IssueRename { label }).await?;
            out.show(&e, || format!("renamed issue {}: {}", e.key, e.label));
        }
        Command::Meeting(MeetingCommand::Edit {
            id,
            date,
            kind,
            attendees,
            issues,
            no_issues,
            decisions,
            no_decisions,
        }) => {
            let edit = MeetingEdit {
                base: None,
                date,
                kind,
                attendees,
                issues: (no_issues || !issues.is_empty()).then(|| issues.into_iter().collect()),
                decisions: (no_decisions || !decisions.is_empty()).then_some(decisions),
            };
            let r: MeetingRecord = client.patch(&format!("/meetings/{id}"), &edit).await?;
            out.show(&r, || {
                let raised: i64 = r.issues.values().sum();
                format!(
                    "meeting {} of {} now: {} attendees, {raised} issues raised (the tally follows)",
                    r.id, r.date, r.attendees
                )
            });
        }
        Command::Meeting(MeetingCommand::Delete { id }) => {
            let d: Deleted = client.delete(&format!("/meetings/{id}")).await?;
            out.show(&d, || {
                format!("deleted meeting {}; its counts left the tally", d.deleted)
            });
        }
        Command::Tally(TallyCommand::Publish {
            network,
            period,
            from,
        }) => {
            let path = format!("/networks/{}/publish", check_segment(&network)?);
            let p: PublishedView = client.post(&path, &PublishRequest { period, from }).await?;
            out.show(&p, || show_published(&p));
        }
        Command::Tally(TallyCommand::Published { network, period }) => {
            let mut path = format!("/networks/{}/published", check_segment(&network)?);
            if let Some(p) = &period {
                path.push_str(&format!("?period={}", check_segment(p)?));
            }
            let p: PublishedView = client.get(&path).await?;
            out.show(&p, || show_published(&p));
        }
        Command::Tally(TallyCommand::Region {
            network,
            period,
            csv,
        }) => {
            let mut path = format!("/networks/{}/region", check_segment(&network)?);
            if let Some(p) = &period {
                path.push_str(&format!("?period={}", check_segment(p)?));
            }
            let view: RegionView = client.get(&path).await?;
            if csv {
                print!("{}", view.csv());
            } else {
                out.show(&view, || show_region(&view));
            }
        }
        Command::Export { network, out: file } => {
            let path = format!("/networks/{}/export", check_segment(&network)?);
            let bytes = client.post_for_bytes(&path).await?;
            let docs = commonground_protocol::bundle::Bundle::open(&bytes)
                .map(|b| b.docs.len())
                .map_err(|e| Failure {
                    code: 1,
                    message: format!("the node made a bundle that does not verify: {e}"),
                })?;
            write_atomically(&file, &bytes)?;
            let summary =
                serde_json::json!({"file": file, "documents": docs, "bytes": bytes.len()});
            out.show(&summary, || {
                format!(
                    "wrote {docs} documents ({} bytes) to {}",
                    bytes.len(),
                    file.display()
                )
            });
        }
        Command::Import { file } => import(&client, &out, &file).await?,
        Command::Forget(cmd) => {
            let path = match &cmd {
                ForgetCommand::Plan { plan } => format!("/plans/{}/forget", check_segment(plan)?),
                ForgetCommand::Network { network } => {
                    format!("/networks/{}/forget", check_segment(network)?)
                }
                ForgetCommand::Published { network } => {
                    format!("/networks/{}/published/forget", check_segment(network)?)
                }
                ForgetCommand::Tally => "/tally/forget".into(),
                ForgetCommand::Meetings => "/meetings/forget".into(),
            };
            let f: Forgotten = client.post(&path, &serde_json::json!({})).await?;
            out.show(&f, || {
                let mut text = format!(
                    "forgot the history of {} {}: it is now generation {}, and the old one is deleted from this node",
                    f.kind,
                    &f.id[..f.id.len().min(8)],
                    f.generation
                );
                if f.shared {
                    text.push_str(
                        ".\nEvery member's node replaces its copy when it next syncs. Copies already carried away in bundles cannot be recalled.",
                    );
                }
                text
            });
        }
        Command::Plan(cmd) => plan(&client, &out, cmd).await?,
        Command::Network(cmd) => network(&client, &out, cmd).await?,
        Command::Peers => {
            let peers: Vec<PeerView> = client.get("/peers").await?;
            out.show(&peers, || {
                if peers.is_empty() {
                    return "no peers connected".into();
                }
                let now = crate::docs::now_unix().max(0) as u64;
                let mut lines = Vec::new();
                for p in &peers {
                    let name = p
                        .name
                        .clone()
                        .unwrap_or_else(|| "(not in a shared network)".into());
                    let path = match (&p.relay, &p.relay_name) {
                        (None, _) => "directly".to_string(),
                        (Some(_), Some(n)) => format!("through {n}'s relay"),
                        (Some(r), None) => format!("through the relay of {r}"),
                    };
                    lines.push(format!(
                        "{}  {}  {path}  {}",
                        p.group,
                        name,
                        p.addrs.join(" ")
                    ));
                    for (doc, t) in &p.last_synced {
                        lines.push(format!(
                            "    {}  in sync {}s ago",
                            &doc[..8],
                            now.saturating_sub(*t)
                        ));
                    }
                }
                lines.join("\n")
            });
        }
        Command::Meeting(MeetingCommand::Record {
            date,
            kind,
            attendees,
            issues,
            decisions,
        }) => {
            let date = date.unwrap_or_else(crate::docs::today_utc);
            let new = NewMeeting {
                date,
                kind,
                attendees,
                issues: issues.into_iter().collect(),
                decisions,
            };
            let r: MeetingRecord = client.post("/meetings", &new).await?;
            out.show(&r, || {
                let raised: i64 = r.issues.values().sum();
                format!(
                    "recorded {} on {}: {} attendees, {raised} issues raised (added to the tally)",
                    r.kind, r.date, r.attendees
                )
            });
        }
        Command::Meeting(MeetingCommand::List) => {
            let list: Vec<MeetingRecord> = client.get("/meetings").await?;
            out.show(&list, || {
                if list.is_empty() {
                    return "no meetings recorded yet".into();
                }
                list.iter()
                    .map(|r| {
                        let issues: Vec<String> =
                            r.issues.iter().map(|(k, n)| format!("{k}={n}")).collect();
                        let mut line = format!(
                            "{}  {}  {:<15} {:>4} attendees  {}",
                            r.id,
                            r.date,
                            r.kind,
                            r.attendees,
                            issues.join(" ")
                        );
                        for d in &r.decisions {
                            line.push_str(&format!("\n    decided: {d}"));
                        }
                        line
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

/// Refuses text that cannot be a plan id or period before it goes into a URL.
fn check_segment(s: &str) -> Result<&str, Failure> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(s)
    } else {
        Err(Failure {
            code: 2,
            message: format!("`{s}` is not an id"),
        })
    }
}

async fn plan(client: &Client, out: &Output, cmd: PlanCommand) -> Result<(), Failure> {
    let view: PlanView = match cmd {
        PlanCommand::New {
            title,
            goal,
            demands,
            network,
        } => {
            let new = CreatePlan {
                plan: NewPlan {
                    title,
                    goal,
                    demands,
                },
                network,
            };
            client.post("/plans", &new).await?
        }
        PlanCommand::List { archived } => {
            let mut list: Vec<PlanView> = client.get("/plans").await?;
            list.retain(|p| p.archived == archived);
            out.show(&list, || {
                if list.is_empty() {
                    return if archived {
                        "no archived plans".into()
                    } else {
                        "no plans yet: create one with `commonground plan new --title ...`".into()
                    };
                }
                list.iter()
                    .map(|p| format!("{}  {:<9} {}", p.id.short(), p.status, p.title))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            return Ok(());
        }
        PlanCommand::Show { plan } => {
            client
                .get(&format!("/plans/{}", check_segment(&plan)?))
                .await?
        }
        PlanCommand::Edit {
            plan,
            title,
            goal,
            demands,
            status,
        } => {
            let edit = PlanEdit {
                base: None,
                title,
                goal,
                demands,
                status,
            };
            client
                .patch(&format!("/plans/{}", check_segment(&plan)?), &edit)
                .await?
        }
        PlanCommand::Action(ActionCommand::Add {
            plan,
            title,
            date,
            kind,
            notes,
        }) => {
            let new = NewAction {
                title,
                date,
                kind,
                notes,
            };
            client
                .post(&format!("/plans/{}/actions", check_segment(&plan)?), &new)
                .await?
        }
        PlanCommand::Archive { plan } => {
            let path = format!("/plans/{}/archived", check_segment(&plan)?);
            client.put(&path, &Archived { archived: true }).await?
        }
        PlanCommand::Restore { plan } => {
            let path = format!("/plans/{}/archived", check_segment(&plan)?);
            client.put(&path, &Archived { archived: false }).await?
        }
        PlanCommand::Share { plan, network } => {
            let path = format!("/plans/{}/share", check_segment(&plan)?);
            client.post(&path, &SharePlan { network }).await?
        }
        PlanCommand::Action(ActionCommand::Edit {
            plan,
            action,
            title,
            date,
            no_date,
            kind,
            status,
            notes,
        }) => {
            let edit = ActionEdit {
                base: None,
                title,
                date,
                clear_date: no_date,
                kind,
                status,
                notes,
            };
            let path = format!("/plans/{}/actions/{action}", check_segment(&plan)?);
            client.patch(&path, &edit).await?
        }
        PlanCommand::Action(ActionCommand::Delete { plan, action }) => {
            let path = format!("/plans/{}/actions/{action}", check_segment(&plan)?);
            client.delete(&path).await?
        }
        PlanCommand::Target(TargetCommand::Edit {
            plan,
            target,
            kind,
            role,
            institution,
            influence,
            stance,
        }) => {
            let edit = TargetEdit {
                base: None,
                kind,
                role,
                institution,
                influence,
                stance,
            };
            let path = format!("/plans/{}/targets/{target}", check_segment(&plan)?);
            client.patch(&path, &edit).await?
        }
        PlanCommand::Target(TargetCommand::Delete { plan, target }) => {
            let path = format!("/plans/{}/targets/{target}", check_segment(&plan)?);
            client.delete(&path).await?
        }
        PlanCommand::Meeting(AuthorityMeetingCommand::Edit {
            plan,
            meeting,
            with,
            date,
            outcome,
        }) => {
            let edit = AuthorityMeetingEdit {
                base: None,
                with,
                date,
                outcome,
            };
            let path = format!("/plans/{}/meetings/{meeting}", check_segment(&plan)?);
            client.patch(&path, &edit).await?
        }
        PlanCommand::Meeting(AuthorityMeetingCommand::Delete { plan, meeting }) => {
            let path = format!("/plans/{}/meetings/{meeting}", check_segment(&plan)?);
            client.delete(&path).await?
        }
        PlanCommand::Meeting(AuthorityMeetingCommand::Agenda(cmd)) => {
            let (plan, meeting, change) = match cmd {
                AgendaCommand::Add {
                    plan,
                    meeting,
                    text,
                    position,
                } => (
                    plan,
                    meeting,
                    AgendaChange::Add {
                        text,
                        index: position.map(|p| p as usize - 1),
                    },
                ),
                AgendaCommand::Edit {
                    plan,
                    meeting,
                    item,
                    text,
                } => (
                    plan,
                    meeting,
                    AgendaChange::Edit {
                        item,
                        text,
                        base: None,
                    },
                ),
                AgendaCommand::Delete {
                    plan,
                    meeting,
                    item,
                } => (plan, meeting, AgendaChange::Delete { item }),
                AgendaCommand::Move {
                    plan,
                    meeting,
                    item,
                    position,
                } => (
                    plan,
                    meeting,
                    AgendaChange::Move {
                        item,
                        index: position as usize - 1,
                    },
                ),
            };
            let path = format!("/plans/{}/meetings/{meeting}/agenda", check_segment(&plan)?);
            client.post(&path, &change).await?
        }
        PlanCommand::Collaborator(CollaboratorCommand::Remove { plan, group }) => {
            let path = format!(
                "/plans/{}/collaborators/{}",
                check_segment(&plan)?,
                check_segment(&group)?
            );
            client.delete(&path).await?
        }
        PlanCommand::Target(TargetCommand::Add {
            plan,
            kind,
            role,
            institution,
            influence,
            stance,
        }) => {
            let new = NewTarget {
                kind,
                role,
                institution,
                influence,
                stance,
            };
            client
                .post(&format!("/plans/{}/targets", check_segment(&plan)?), &new)
                .await?
        }
        PlanCommand::Collaborator(CollaboratorCommand::Add { plan, group }) => {
            let group = group.parse().map_err(|e| Failure {
                code: 2,
                message: format!("`{group}` is not a group id: {e}"),
            })?;
            client
                .post(
                    &format!("/plans/{}/collaborators", check_segment(&plan)?),
                    &NewCollaborator { group },
                )
                .await?
        }
        PlanCommand::Meeting(AuthorityMeetingCommand::Add {
            plan,
            with,
            date,
            agenda,
        }) => {
            let new = NewAuthorityMeeting { with, date, agenda };
            client
                .post(&format!("/plans/{}/meetings", check_segment(&plan)?), &new)
                .await?
        }
    };
    out.show(&view, || show_plan(&view));
    Ok(())
}

async fn network(client: &Client, out: &Output, cmd: NetworkCommand) -> Result<(), Failure> {
    let show = |n: &NetworkView| {
        let mut lines = vec![format!("{}  {}", n.id, n.name)];
        for m in &n.members {
            lines.push(format!("  {:<12} {}  {}", m.role, m.group, m.name));
        }
        lines.join("\n")
    };
    match cmd {
        NetworkCommand::Create { name, group_name } => {
            let n: NetworkView = client
                .post("/networks", &NewNetwork { name, group_name })
                .await?;
            out.show(&n, || show(&n));
        }
        NetworkCommand::List => {
            let list: Vec<NetworkView> = client.get("/networks").await?;
            out.show(&list, || {
                if list.is_empty() {
                    return "not in any network yet: create one with `commonground network create --name ...`".into();
                }
                list.iter()
                    .map(|n| format!("{}  {} ({} members)", n.id.short(), n.name, n.members.len()))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        NetworkCommand::Members { network } => {
            let n: NetworkView = client
                .get(&format!("/networks/{}", check_segment(&network)?))
                .await?;
            out.show(&n, || show(&n));
        }
        NetworkCommand::Invite {
            network,
            expires,
            role,
        } => {
            let path = format!("/networks/{}/invites", check_segment(&network)?);
            let inv: InviteView = client
                .post(
                    &path,
                    &NewInvite {
                        expires: Some(expires),
                        role: Some(role),
                    },
                )
                .await?;
            out.show(&inv, || {
                format!(
                    "{}\n(one-time code for network {}, granting the role {}; give it to the joining group,\n who runs commonground network join <CODE>; it carries this node's addresses: {})",
                    inv.code,
                    &inv.network[..8],
                    inv.role,
                    inv.addrs.join(" ")
                )
            });
        }
        NetworkCommand::Join { code, group_name } => {
            let n: NetworkView = client
                .post("/networks/join", &JoinNetwork { code, group_name })
                .await?;
            out.show(&n, || format!("joined {}\n{}", n.name, show(&n)));
        }
        NetworkCommand::Role {
            network,
            group,
            role,
        } => {
            let path = format!(
                "/networks/{}/members/{}",
                check_segment(&network)?,
                check_segment(&group)?
            );
            let n: NetworkView = client.put(&path, &RoleChange { role }).await?;
            out.show(&n, || show(&n));
        }
        NetworkCommand::Remove { network, group } => {
            let path = format!(
                "/networks/{}/members/{}",
                check_segment(&network)?,
                check_segment(&group)?
            );
            let n: NetworkView = client.delete(&path).await?;
            out.show(&n, || format!("removed {group}\n{}", show(&n)));
        }
        NetworkCommand::Settings {
            network,
            open_months,
            utc_offset,
        } => {
            let n: NetworkView = if open_months.is_none() && utc_offset.is_none() {
                client
                    .get(&format!("/networks/{}", check_segment(&network)?))
                    .await?
            } else {
                let path = format!("/networks/{}/settings", check_segment(&network)?);
                let change = SettingsChange {
                    open_months,
                    utc_offset_minutes: utc_offset,
                    ..SettingsChange::default()
                };
                client.patch(&path, &change).await?
            };
            out.show(&n, || show_settings(&n));
        }
        NetworkCommand::Threshold { network, k } => {
            let path = format!("/networks/{}/settings", check_segment(&network)?);
            let change = SettingsChange {
                k: Some(k),
                ..SettingsChange::default()
            };
            let n: NetworkView = client.patch(&path, &change).await?;
            out.show(&n, || {
                format!(
                    "{}: counts below {} are published as \"fewer than {}\"",
                    n.name, n.settings.k, n.settings.k
                )
            });
        }
    }
    Ok(())
}

/// `web passphrase`: reads a passphrase from standard input and stores its hash in the data
/// directory, where the running node reads it at each login.
fn set_passphrase(data_dir: &DataDir) -> Result<(), Failure> {
    use std::io::{BufRead, IsTerminal};
    data_dir.prepare().map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    if std::io::stdin().is_terminal() {
        eprintln!(
            "Type the passphrase for the web page (at least {} characters), then Enter:",
            crate::web::auth::MIN_PASSPHRASE
        );
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure {
            code: 1,
            message: format!("cannot read the passphrase: {e}"),
        })?;
    let passphrase = line.trim_end_matches(['\r', '\n']);
    crate::web::auth::set_passphrase(data_dir, passphrase).map_err(|e| Failure {
        code: match e {
            crate::web::auth::AuthError::TooShort { .. } => 2,
            _ => 1,
        },
        message: e.to_string(),
    })?;
    println!(
        "Passphrase set. Other machines can now log in to the web page (serve it beyond loopback with `up --http-listen 0.0.0.0:7465`)."
    );
    Ok(())
}

async fn up(data_dir: DataDir, args: UpArgs) -> Result<(), Failure> {
    let failed = |e: &dyn std::fmt::Display| Failure {
        code: 1,
        message: e.to_string(),
    };
    let opts = UpOptions {
        data_dir: data_dir.clone(),
        config_file: args.config,
        http_listen: args.http_listen,
        log_format: args.log_format,
        listen: args.listen,
        bootstrap: args.bootstrap,
        no_lan: args.no_lan,
        discoverable: args.discoverable,
        relay: args.relay,
    };
    let config = opts.resolve().map_err(|e| failed(&e))?;
    init_logging(config.log_format);
    private_files();
    let node = Node::start(data_dir.clone(), &config)
        .await
        .map_err(|e| failed(&e))?;
    println!("Common Ground node for group {}", node.group);
    println!("  web page and API: http://{}/", node.http);
    println!("  data directory:   {}", data_dir.path().display());
    println!("Stop it with Ctrl-C.");
    signalled().await;
    node.shutdown().await;
    Ok(())
}

/// Every file and folder the running node makes from here on (sled makes some long after start,
/// with the default 0644/0755) is private to its user: the data directory's rule.
#[allow(unsafe_code)]
fn private_files() {
    // SAFETY: umask(2) only sets the process's file mode mask; it cannot fail and touches no
    // memory of ours.
    unsafe {
        libc::umask(0o077);
    }
}

/// Sets up logging to standard error, once, for `up`. `RUST_LOG` refines the default `info`.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sled=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

struct Output {
    json: bool,
}

impl Output {
    /// Prints a result. A reader that went away (`| head`) is not an error: what it read is
    /// all it wanted (println! would panic on the closed pipe).
    fn show<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        use std::io::Write;
        let out = if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: cannot print JSON: {e}");
                    return;
                }
            }
        } else {
            text()
        };
        let _ = writeln!(std::io::stdout(), "{out}");
    }
}

/// Writes a file whole or not at all: to a temporary file beside it, then renamed over it.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let failed = |e: std::io::Error| Failure {
        code: 1,
        message: format!("cannot write {}: {e}", path.display()),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

async fn import(client: &Client, out: &Output, file: &std::path::Path) -> Result<(), Failure> {
    let refused = |message: String| Failure { code: 2, message };
    let unreadable = |e: std::io::Error| Failure {
        code: 2,
        message: format!("cannot read {}: {e}", file.display()),
    };
    // Check before sending anything: a changed, cut-short or foreign file stops here. Read a
    // document at a time, so that a large file is never held whole.
    let opened = std::fs::File::open(file).map_err(unreadable)?;
    let total = commonground_protocol::bundle::verify(std::io::BufReader::new(&opened))
        .map_err(|e| refused(format!("{}: {e}", file.display())))?
        .docs;
    if !out.json {
        eprintln!(
            "{}: signature valid, {total} documents; checking them…",
            file.display()
        );
    }
    let body = tokio::fs::File::open(file).await.map_err(unreadable)?;
    let mut outcome = None;
    let json = out.json;
    client
        .post_streaming("/bundles", body, |line: ImportLine| match line {
            ImportLine::Progress { checked, total } => {
                if !json {
                    eprint!("\r  checked {checked}/{total} documents");
                }
            }
            other => outcome = Some(other),
        })
        .await?;
    if !out.json {
        eprintln!();
    }
    match outcome {
        Some(ImportLine::Done(summary)) => {
            out.show(&summary, || {
                let mut line = format!(
                    "imported {} documents of network {} from group {}: {} changed",
                    summary.documents,
                    summary.network.short(),
                    summary.exporter.short(),
                    summary.changed
                );
                if summary.left_out > 0 {
                    line.push_str(&format!(
                        "; {} plans left out: of an earlier release, re-issued and not yet \
                         endorsed by their owner or a coordinator (they come when one of them syncs), \
                         or of a group that has the most plans a group may have",
                        summary.left_out
                    ));
                }
                line
            });
            Ok(())
        }
        Some(ImportLine::Refused(detail)) => Err(refused(format!(
            "{} refused, nothing was written: {}",
            file.display(),
            detail.message
        ))),
        _ => Err(Failure {
            code: 1,
            message: "the node stopped answering during the import".into(),
        }),
    }
}

fn show_settings(n: &NetworkView) -> String {
    let s = &n.settings;
    [
        format!(
            "{}: counts below {} are published as \"fewer than {}\"",
            n.name, s.k, s.k
        ),
        format!("time zone: {}", s.zone()),
        if s.open_months {
            "a month may be published while it goes on (open months)".to_string()
        } else {
            format!("a month is published once it is over in {}", s.zone())
        },
    ]
    .join("\n")
}

fn show_published(p: &PublishedView) -> String {
    let when = p.published.map(|d| format!(" on {d}")).unwrap_or_default();
    let mut lines = vec![format!(
        "published {}{when} to network {} (counts below {} suppressed); its members see:",
        p.period,
        p.network.short(),
        p.k
    )];
    for (issue, cell) in &p.cells {
        let shown = match cell {
            Cell::Exact { count } => count.to_string(),
            Cell::FewerThan { k } => format!("fewer than {k}"),
            Cell::Between { low, high } => format!("between {low} and {high}"),
        };
        let note = if p.ranged.contains(issue) {
            "  (a range: it moved by less than k since the last publication)"
        } else {
            ""
        };
        lines.push(format!("  {issue:<20} {shown}{note}"));
    }
    lines.join("\n")
}

fn show_region(view: &RegionView) -> String {
    if view.rows.is_empty() {
        return format!(
            "nothing published for {} in network {} yet",
            view.period,
            view.network.short()
        );
    }
    let mut lines = vec![format!(
        "Issues raised in {} across {} groups of network {}",
        view.period,
        view.groups.len(),
        view.network.short()
    )];
    for r in &view.rows {
        lines.push(format!(
            "  {:<20} {:<22} {:>22}",
            r.issue,
            r.label,
            r.text()
        ));
    }
    lines.join("\n")
}

fn show_tally(view: &TallyView) -> String {
    if view.rows.is_empty() {
        return format!("no issues counted in {} yet", view.period);
    }
    let mut lines = vec![format!("Issues raised in {}", view.period)];
    for r in &view.rows {
        lines.push(format!("  {:<20} {:<22} {:>6}", r.issue, r.label, r.count));
    }
    lines.push(format!("  {:<43} {:>6}", "total", view.total));
    lines.join("\n")
}

fn show_plan(p: &PlanView) -> String {
    let mut lines = vec![
        format!("{}  [{}]", p.title, p.status),
        format!("id:      {}", p.id),
        format!("created: {} by {}", p.header.created, p.header.owner),
    ];
    if !p.goal.is_empty() {
        lines.push(format!("goal:    {}", p.goal));
    }
    if !p.demands.is_empty() {
        lines.push(format!("demands: {}", p.demands));
    }
    if p.archived {
        lines.push("archived: yes (restore with `commonground plan restore`)".into());
    }
    if !p.targets.is_empty() {
        lines.push("power map:".into());
        for t in &p.targets {
            lines.push(format!(
                "  {}  {:<6} {} ({}) influence {} stance {:+}",
                t.id, t.kind, t.role, t.institution, t.influence, t.stance
            ));
        }
    }
    lines.push(if p.actions.is_empty() {
        "actions: none yet".into()
    } else {
        "actions:".into()
    });
    for a in &p.actions {
        let date = a
            .date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "(no date)".into());
        lines.push(format!(
            "  {}  {:<10} {:<13} {:<9} {}",
            a.id, date, a.kind, a.status, a.title
        ));
    }
    for m in &p.meetings {
        lines.push(format!("meeting {}  with {} on {}", m.id, m.with, m.date));
        for (i, item) in m.agenda.iter().enumerate() {
            lines.push(format!("  {}. {}  ({})", i + 1, item.text, item.id));
        }
        if !m.outcome.is_empty() {
            lines.push(format!("  outcome: {}", m.outcome));
        }
    }
    lines.join("\n")
}
