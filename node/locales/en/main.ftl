# Common Ground web page: English.

## Layout
skip-to-content = Skip to content
nav-label = Main
nav-tally = Tallies
nav-plans = Plans
nav-network = Network
lang-label = Language
logout = Log out
save = Save

## Login
login-title = Log in
login-intro = This node is being used from another machine. Enter the passphrase set on the node with “commonground web passphrase”.
login-passphrase = Passphrase
login-submit = Log in
login-not-set = No passphrase is set on this node. On the node’s machine, run “commonground web passphrase” first.
login-wrong = That passphrase is not right. Try again.
login-wait = Too many wrong passphrases from your address. Try again in { $seconds } seconds.
login-locked = Too many wrong passphrases from your address: logging in is locked for { $minutes } minutes.

## Errors
error-home = Back to the start page
error-not-found = Not found
error-refused = The node refused this
error-busy = The node is busy or stopping. Try again in a moment.
error-internal = The node could not do this. Its log says why.
error-too-large = That form is too large.
error-csrf = This form has expired. Go back, reload the page and send it again.
error-cross-site = Another web site tried to change this node. Nothing was changed. To make a change, use the node's own page.
banner-disk-full = The disk of this node is full: nothing new can be saved, and what you send now is refused. What was saved is safe and can still be read. Free some space on the node's machine: it goes on by itself.
banner-disk-read-only = The disk of this node cannot be written: nothing new can be saved, and what you send now is refused. What was saved is safe and can still be read. The node goes on by itself once the disk is writable.

## Refusals by the rules
pd-email = an e-mail address
pd-phone = a phone number
pd-postcode = a postcode
pd-ni = a National Insurance number
pd-nhs = an NHS number
pd-reference = a case or reference number
pd-dob = a date of birth
pd-address = a home address
pd-name = a person's name
pd-advice-name = write a role, not a name: “a family in the hotel”, “one of our members”.
pd-advice-contact = write who to contact by their role (“our legal aid caseworker”); contact details do not belong in shared text.
pd-advice-postcode = write the area or ward instead (“north of the city”).
pd-advice-address = write the area or a public place, not where someone lives (“a family in the north of the city”).
pd-advice-dob = write an age group instead (“a man in his thirties”, “under 18”).
pd-advice-reference = keep reference numbers in the person's own papers and write the situation (“waiting for an appeal hearing”).
refused-personal-data = This seems to hold { $kind }. Common Ground keeps no personal data: { $advice }
refused-empty = This must not be empty.
refused-control = This holds an invisible control character ({ $code }), perhaps pasted from another program. Type the text again, or paste it as plain text.
refused-bidi-override = This holds a character that reverses how text reads ({ $code }), which can make text read otherwise than it was typed. Remove it: the marks Arabic and other scripts need are kept.
refused-invisible = This has nothing visible in it: only spaces or characters that draw nothing.
refused-too-long = This is too long: at most { $max } characters.
refused-out-of-range = This must be between { $min } and { $max }.
refused-unknown-issue = This issue is not in the catalogue.
refused-issue-exists = This issue already exists.
refused-malformed = This is not in the right form.

## Numbers and time
range-value = { $low }–{ $high }
minutes-ago = { $n ->
    [0] just now
    [one] { $n } minute ago
   *[other] { $n } minutes ago
}

## Charts
map-title = Power map
map-opposed = ← opposed
map-supportive = supportive →
map-influence = influence
col-issue = Issue
col-count = Count

## Issues
issue-housing = Housing
issue-legal-aid = Legal aid
issue-health = Health care
issue-education = Education
issue-detention = Detention
issue-destitution = Destitution
issue-employment = Employment
issue-immigration-status = Immigration status
issue-hate-crime = Hate crime
issue-mental-health = Mental health
issue-family-reunion = Family reunion

## Tallies and meetings
tally-title = Tallies
tally-period = Month
tally-show = Show
tally-heading = Issues raised in { $period }
tally-empty = Nothing has been counted in this month yet.
tally-total = { $n ->
    [one] { $n } time in all
   *[other] { $n } times in all
}
meeting-title = Record a meeting
meeting-intro = Counts only, never who: write no names, phone numbers or case details.
meeting-date = Date
meeting-kind = Kind of meeting
meeting-attendees = How many people came
meeting-issues = Issues raised, with how many times
meeting-decisions = Decisions
meeting-decisions-hint = One decision a line.
meeting-submit = Record the meeting
meetings-recent = Recent meetings
meetings-none = No meetings recorded yet.
meeting-people = { $n ->
    [one] { $n } person
   *[other] { $n } people
}
meeting-kind-weekly-meeting = Weekly meeting
meeting-kind-one-to-ones = One-to-ones
meeting-kind-public-meeting = Public meeting
meeting-kind-training = Training
meeting-kind-other = Other

## Regional view
region-empty = No counts have been published in this network for this month.
region-ranges = A range such as 0–4 is a count that a group published as “fewer than 5”: the real number lies somewhere in it.
region-csv = Download these counts (CSV)

## Plans
plans-title = Campaign plans
plans-list = Plans
plans-none = No plans yet.
plans-back = ← All plans
plan-new = New plan
plan-title = Title
plan-goal = Goal
plan-demands = Demands
plan-network = Shared with
plan-private = This group only
plan-create = Create the plan
plan-edit = Edit the plan
plan-status = Status
plan-no-goal = No goal written yet.
plan-no-demands = No demands written yet.
plan-actions-count = { $n ->
    [one] { $n } action
   *[other] { $n } actions
}
plan-status-planning = Planning
plan-status-active = Active
plan-status-won = Won
plan-status-closed = Closed
map-empty = No targets or allies yet.
target-new = Add a target or ally
target-intro = By role, never by name: “Cabinet member for housing”.
target-kind = Target or ally
target-kind-target = Target
target-kind-ally = Ally
target-role = Role
target-institution = Institution
target-influence = Influence over the goal (1 to 5)
target-stance = Where they stand
target-add = Add to the power map
target-summary = influence { $influence }
stance-0 = Opposed
stance-1 = Leaning against
stance-2 = Neutral
stance-3 = Leaning for
stance-4 = Supportive
actions-title = Actions
actions-none = No actions yet.
action-new = Add an action
action-title = What
action-date = Date
action-kind = Kind
action-notes = Notes
action-add = Add the action
action-status = Status
action-no-date = no date yet
action-kind-meeting = Meeting
action-kind-public-action = Public action
action-kind-training = Training
action-kind-one-to-ones = One-to-ones
action-kind-other = Other
action-status-planned = Planned
action-status-done = Done
action-status-cancelled = Cancelled
ameetings-title = Meetings with authorities
ameetings-none = No meetings with authorities yet.
ameeting-new = Add a meeting with an authority
ameeting-with = With (role and institution)
ameeting-date = Date
ameeting-agenda = Agenda
ameeting-agenda-hint = One agenda item a line.
ameeting-add = Add the meeting

## Network
network-title = Network
network-me = This group
network-group-id = Group id:
reach-unknown = Reachable from outside: not known yet (members check it once they are connected).
reach-direct = Reachable directly from outside.
reach-relayed = Not reachable directly (this node is behind a router): other groups reach it through { $relay }’s relay.
reach-unreachable = Not reachable from outside: ask a member with a public address to relay. Members on this local network, and bundles, still work.
reach-relaying = This node relays for the members of its networks ({ $count } hold a slot).
network-api = The node’s API is described at
network-members = Members
network-this-group = this group
col-group = Group
col-role = Role
col-joined = Joined
role-coordinator = Coordinator
role-member = Member
role-aggregator = Aggregator
network-threshold = Counts below { $k } are published as “fewer than { $k }”.
network-closed-months = A month is published once it is over in the network’s time zone ({ $zone }).
network-open-months = Members may publish a month while it goes on (time zone { $zone }).
network-settings = Settings
network-k = Threshold: smallest count published exactly
network-zone = The network’s time zone
network-open-months-label = Allow publishing a month before it is over
network-k-note = Raising the threshold re-issues every member’s published counts under it, without their history. A month published while it goes on can follow a single meeting: leave this off unless groups need it.
network-settings-submit = Save the settings
network-create = Create a network
network-name = Network name
network-group-name = This group’s name in it
network-create-submit = Create the network
network-join = Join a network
network-code = Invite code
network-join-submit = Join
invite-expires = Valid for
invite-expires-1h = 1 hour
invite-expires-24h = 1 day
invite-expires-48h = 2 days
invite-expires-7d = 7 days
invite-make = Make an invite
invite-title = Invite
invite-intro = Give this one-time code to the joining group, or let them scan it. It is shown only now.
invite-code = Invite code
invite-qr = The same code as a QR code.
invite-valid-days = { $n ->
    [one] Valid for { $shown } more day.
   *[other] Valid for { $shown } more days.
}
invite-valid-hours = { $n ->
    [one] Valid for { $shown } more hour.
   *[other] Valid for { $shown } more hours.
}
invite-valid-minutes = { $n ->
    [one] Valid for { $shown } more minute.
   *[other] Valid for { $shown } more minutes.
}
invite-copy = Copy the code
invite-copied = Copied: paste it into a message to the joining group.
invite-copy-failed = Could not copy: select the code and copy it by hand.
peers-title = Connected groups
peers-no-network = This node runs no network.
peers-none = No other group is connected now.
peer-connected = connected { $ago }
peer-direct = directly
peer-relayed = through { $relay }’s relay
last-synced = last synced with { $group } { $ago }

## Publishing and merged counts
publish-title = Publish to your networks
publish-intro = Only these counts leave this node, never meeting records. A count under a network’s threshold is published only as “fewer than” the threshold.
publish-none = This group belongs to no network yet.
publish-join = Create or join a network
publish-submit = Publish { $period } to { $network }
publish-done = Published { $period } to { $network }: { $n ->
    [one] { $n } issue.
   *[other] { $n } issues.
}
publish-hidden = { $hidden ->
    [0] No count was under the threshold.
    [one] { $hidden } count was under { $k } and is shown only as a range.
   *[other] { $hidden } counts were under { $k } and are shown only as ranges.
}
publish-not-over = { $period } is not over yet in { $network }’s time zone ({ $zone }): it can be published from { $date }, so that no publication follows a single meeting.
publish-earlier = Publish { $period } instead.
publish-last = Published on { $date }. What members of { $network } see:
publish-last-undated = Published. What members of { $network } see:
publish-fewer = fewer than { $k }
publish-ranged = { $n ->
    [one] One count moved by fewer than { $k } since this month was last published: it is published as a range that holds the new count, so that no one can tell one more person from the difference.
   *[other] { $n } counts moved by fewer than { $k } since this month was last published: they are published as ranges that hold the new counts, so that no one can tell one more person from the difference.
}
refused-month-not-over = This month is not over yet in the network’s time zone: publish it once it is over (a coordinator can allow open months).
region-link = See { $network }’s merged counts
region-title = { $network }: merged counts
region-heading = Merged counts for { $period }
region-groups = { $n ->
    [one] { $n } group published counts for this month.
   *[other] { $n } groups published counts for this month.
}
region-between = between { $low } and { $high }
region-back = Back to this month’s tallies and publishing
network-publish-link = Publish this group’s counts

## Editing and deleting
refused-unknown-item = This is no longer there: another group may have deleted it. Reload the page.
refused-base = This form was made from a version this node does not hold. Reload the page and edit again.
refused-not-collaborator = Only the plan’s collaborating groups may change it. Ask one of them to add your group.
refused-not-coordinator = Only the network’s coordinators may change this.
refused-last-collaborator = A plan keeps at least one collaborating group.
refused-collaborator-member = A collaborator must be a member (not an aggregator) of the plan’s network.
refused-not-permitted = Your group may not change this.
flash-not-saved = Not saved.
flash-to-field = Go to the field.
done-plan-saved = The plan is saved.
done-action-added = The action is added.
done-action-saved = The action is saved.
done-action-deleted = The action is deleted.
done-target-added = Added to the power map.
done-target-saved = The power map is saved.
done-target-deleted = Taken off the power map.
done-ameeting-added = The meeting is added.
done-ameeting-saved = The meeting is saved.
done-ameeting-deleted = The meeting is deleted.
done-plan-archived = The plan is archived. Any collaborator can restore it.
done-plan-restored = The plan is restored.
done-collab-added = The group can now edit this plan.
done-collab-removed = The group no longer edits this plan.
done-meeting-recorded = Meeting of { $date } recorded: { $people ->
    [one] { $people } person
   *[other] { $people } people
}, { $issues ->
    [one] { $issues } issue
   *[other] { $issues } issues
}.
done-meeting-saved = Meeting of { $date } corrected: { $people ->
    [one] { $people } person
   *[other] { $people } people
}, { $issues ->
    [one] { $issues } issue
   *[other] { $issues } issues
}. The tally follows.
done-meeting-deleted = The meeting of { $date } is deleted; its counts left the tally.
plan-archived-note = This plan is archived.
plan-changed-meanwhile = Another group changed this plan while you were editing. What you typed is kept; saving writes only what you changed.
plan-archive = Archive the plan
plan-restore = Restore the plan
plan-archive-intro = An archived plan leaves the list and is kept; any collaborator can restore it.
plan-forget = Forget this plan's history
plan-forget-intro = This re-issues the plan holding only what it says now. Every earlier version — text that was deleted or reworded — is deleted from this node's disk at once, and from every member's node when it next syncs. Edits other groups made offline are carried over. Copies already carried away in bundles (on a USB stick) cannot be recalled.
plan-forget-confirm = I understand: the plan's earlier versions cannot be brought back.
done-plan-forgotten = The plan's history is forgotten: only what it says now is kept, here and soon on every member's node.
refused-confirm = Tick the box to confirm.
plan-flagged = The plan's text seems to hold { $kind } (in { $field }), formed by changes of two groups that each passed the check. Edit it out, then forget the plan's history.
plan-restore-intro = Restoring puts the plan back in the list.
plans-archived = Archived plans
item-edit = Edit
item-delete = Delete
agenda-up = Move up
agenda-down = Move down
agenda-item = Agenda item
agenda-add = Add an agenda item
ameeting-outcome = Outcome
collab-title = Groups writing this plan
collab-remove = Remove
collab-cannot-edit = Your group can read this plan but not change it. The groups writing it: { $groups }. Ask one of them to add your group.
collab-private = This plan is private to this group.
collab-none-to-add = Every member group of the network already writes this plan.
collab-choose = Group
collab-add = Let this group edit
meeting-decided = Decided:
meeting-correct = Correct this record
meeting-delete = Delete this record
csv-issue = Issue key
csv-label = Issue
csv-low = Lowest
csv-high = Highest
csv-total = Count
collab-this-group = This group
share-title = Share with a network
share-intro = The plan as it is now becomes a plan of the network, which its member groups can read and this group can write; add other groups once it is shared. This private plan is archived; its history stays on this node only.
share-network = Network
share-button = Share the plan
share-no-network = To share it, this group must first create or join a network.
done-plan-shared = The plan is now shared with the network. The private copy is archived.
invite-role = The joining group’s role
invite-grants = The joining group’s role: { $role }.
