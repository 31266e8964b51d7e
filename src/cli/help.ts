export const USAGE = `synapse-upgrade: upgrade a Matrix Synapse homeserver, guided, resumable and verified.

Usage:
  synapse-upgrade [options]              the interactive wizard (the default command)
    -c, --config PATH                    homeserver.yaml (may repeat, or a conf.d directory)
        --venv PATH                      the virtualenv of a pip install or a git checkout
        --method pip|git|debian|docker   which kind of install to upgrade (found from evidence
                                         otherwise; asked when two are equally plausible)
        --container NAME                 Docker: the container to upgrade (any image built from
                                         Synapse's, from any registry); implies --method docker
        --target VERSION | latest        the version to upgrade to
        --url URL                        base URL of a listener with the \`client\` resource
        --workers-only --main-url URL    a host with only workers (configs and a virtualenv): upgrade its code
                                         to the version the main process answers at URL (never ahead of it),
                                         restart only the workers and check each over its own listener
        --state-dir DIR                  where journals, transcripts and backups live
                                         (default: $SYNAPSE_UPGRADE_STATE_DIR, else ~/.local/state/synapse-upgrade)
    -y, --yes                            non-interactive: take the safe default at every question,
                                         fail (exit 2) where there is none
        --dry-run                        run every check for real, show every change, change nothing
        --pre                            offer pre-releases too
        --json                           print the events as JSON lines on stdout
        --accept-notes ID[,ID…]          accept these applicable notes up front (needed with --yes
                                         for breaking ones); --accept-all-notes accepts every one
        --accept-unchecked-notes         with --yes: go on past the upgrade notes of releases newer than
                                         this tool knows (shown unchecked, or unreadable); refused without it
        --apply-fixes                    with --yes: apply the mechanical config fixes of the notes that
                                         apply (shown as a diff; written after the install, with a backup)
        --demo                           try the wizard on a sandbox homeserver in a temporary folder
        --backup-dir DIR                 where the database backup goes (default: backups/ in the state folder)
        --no-backup                      skip the database backup (a warning stays in the summary)
        --no-package-rollback            Debian: upgrade even when no copy of the installed package can be
                                         kept (not cached, not downloadable, no dpkg-repack)
  synapse-upgrade detect [--json]        what is installed, where, which version, which version is running
  synapse-upgrade resume [--yes]         carry on an interrupted upgrade: re-attach to its running command,
                                         skip what is already done, finish and verify
  synapse-upgrade status [--json]        the last or current upgrade session, from the journal: where an
                                         interrupted one stopped and whether its command still runs
  synapse-upgrade notes --from V --to V [--config PATH] [--json] [--offline]
                                         the upgrade notes between two versions that apply to this server
  synapse-upgrade notes --from V --to V -c PATH --fix [--yes]
                                         the mechanical config fixes of those notes as a diff; --yes applies
                                         them (each file backed up first)
  synapse-upgrade plan [--target V] [--script FILE]
                                         a dry run written as a POSIX sh script to review and run by hand
  synapse-upgrade rollback [--yes]       put the version before the last upgrade back (restoring the
                                         backup if the database is too new for it), restart, verify
  synapse-upgrade --help | --version

Examples:
  synapse-upgrade                                   # find the install, choose a version, upgrade
  synapse-upgrade --target 1.47.0 --yes             # unattended, e.g. from a fleet tool
  synapse-upgrade --workers-only --main-url http://10.0.0.1:8008 --yes --json   # a worker host, after its main
  synapse-upgrade --venv ~/synapse/env -c ~/synapse/homeserver.yaml --dry-run

With --json the last line is the result: outcome, exitCode, from, to, downtimeMs, rolledBack, notesRefused
(and workersVerified on a workers-only host); docs/json-events.md.
Exit codes: 0 upgraded and verified (or already at the target); 1 the upgrade failed;
2 bad input or usage; 3 interrupted and resumable; 4 refused by a check or a note.
A failure after the restart offers the rollback at once (with --yes it is done; the exit stays 1).
$SYNAPSE_UPGRADE_STEPS_DIR: a folder with a newer copy of the upgrade data (steps/) to use instead.
`;

const SHARED = `  Also: -c/--config PATH, --venv PATH, --method M, --container NAME, --url URL, --state-dir DIR (as for the wizard).`;

/** `synapse-upgrade COMMAND --help`: what the command does, its options and an example. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  detect: `Usage: synapse-upgrade detect [--json] [options]

Finds the Synapse install and reports, without changing anything: the method with its evidence and
confidence, the installed and the running version, the config files, the listener URL, the database
engine, the restart manager and the workers.
  --json    one JSON object (method, evidence, installedVersion, runningVersion, configPaths, url,
            database, restart, workers, …)
${SHARED}
Example:
  synapse-upgrade detect --json -c /etc/matrix-synapse/homeserver.yaml`,
  status: `Usage: synapse-upgrade status [--json] [options]

Shows the last or current upgrade session from the journal, without acting: versions, each step with
its command, where an interrupted session stopped, whether its command still runs, who holds the lock.
  --json    the journal as JSON, for scripts
${SHARED}
Example:
  synapse-upgrade status --state-dir /var/lib/synapse-upgrade`,
  resume: `Usage: synapse-upgrade resume [--yes] [options]

Carries on an interrupted upgrade: re-attaches to a command that still runs and follows it, checks the
real state before each step and skips what is already done, then finishes and verifies.
  -y, --yes   resume without asking
${SHARED}
Example:
  synapse-upgrade resume --yes`,
  plan: `Usage: synapse-upgrade plan [--target VERSION|latest] [--script FILE] [options]

A dry run written as a POSIX sh script (set -eu), with a comment for each note and check and the exact
commands, to review and run by hand. Nothing is changed.
  --target V      the version to plan for (default: latest)
  --script FILE   write the script there (default: standard output)
${SHARED}
Example:
  synapse-upgrade plan --target 1.47.0 --script upgrade.sh && sh -n upgrade.sh`,
  rollback: `Usage: synapse-upgrade rollback [--yes] [--dry-run] [options]

Puts back the version from before the last upgrade the install method's way, restores the backup when
the database is too new for that version (saying first what data would be lost), applies the guide's
schema-rollback SQL where it applies, restarts and proves the old version answers.
  -y, --yes    roll back without asking
  --dry-run    show the rollback, change nothing
${SHARED}
Example:
  synapse-upgrade rollback --dry-run`,
};
