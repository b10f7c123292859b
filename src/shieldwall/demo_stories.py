"""What `shieldwall demo` prints once it runs: where everything is, and every story it can
tell, step by step, with the seeded queue as it stands."""

from __future__ import annotations

from pathlib import Path

from shieldwall.cases.models import OPEN_STATES, Case
from shieldwall.reports.categories import Category
from shieldwall.subjects.kinds import SubjectType

TIER = {1: "CSE", 2: "NCII", 3: "Other"}


def _queue(mb_url: str, limit: int = 6) -> list[str]:
    lines = []
    for n, case in enumerate(
        Case.objects.filter(state__in=OPEN_STATES).order_by("tier", "deadline_at", "pk")[:limit],
        start=1,
    ):
        try:
            label = Category(case.category).label
        except ValueError:
            label = case.category
        on_post = case.subject_type == SubjectType.POST
        where = f"{mb_url}/p/{case.subject_id}" if on_post else case.subject_id
        reports = f"{case.report_count} report{'s' if case.report_count != 1 else ''}"
        lines.append(
            f"      {n}. [{TIER.get(case.tier, case.tier)}] {label} · {case.subject_type} "
            f"· {reports}\n         {where}"
        )
    return lines


def _first_post(seeded: str) -> str:
    for line in seeded.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "report:" and parts[2] == SubjectType.POST:
            return parts[3]
    return ""


Login = tuple[str, str]  # a user name and its password, printed for a local demo


def stories(
    *,
    sw_url: str,
    mb_url: str,
    known_dir: Path,
    logs: Path,
    seeded: str,
    logins: tuple[Login, Login, Login],
    bank: str,
) -> str:
    """The demo's welcome: addresses, logins, the queue, and what to try, step by step.

    The demo hands in its logins (microblog user, moderator, admin) and bank name, so this
    page only prints what it is told and never reaches back up into the demo."""
    microblog_user, moderator, admin = logins
    queue = _queue(mb_url) or ["      (empty: the reports did not reach Shieldwall; see the logs)"]
    top = _first_post(seeded)
    top_url = f"{mb_url}/p/{top}" if top else f"{mb_url}/"
    return f"""
Shieldwall demo is running. Press Ctrl-C to stop.

  Tidepool (the microblog)  {mb_url}/
      log in as {microblog_user[0]} / {microblog_user[1]}, or sign up
  Moderator desk            {sw_url}/desk/
      moderator {moderator[0]} / {moderator[1]}
      admin     {admin[0]} / {admin[1]}  (also {sw_url}/admin/)
  Public report page        {sw_url}/report
  Shieldwall API            {sw_url}/api/v1/docs
  Logs                      {logs}

  The queue, child sexual exploitation first (seeded reports, all made up):
{chr(10).join(queue)}

What to try
  1. Known media is refused at upload
     - Log in to Tidepool as {microblog_user[0]}, attach a picture from {known_dir}
       (it is in the bank "{bank}"), write a line and press Post.
     - Tidepool refuses it without saying why, and keeps what you typed.
     - Mirror or rotate the picture and try again: still refused.
  2. Report a post
     - On any post, open its ⋯ menu → Report post → Start report → who is affected →
       Shows sensitive or disturbing content → Child sexual exploitation → Yes, continue.
     - On the review step add another post from the same account, then Submit.
     - Done offers to mute or block the account; it never sends you back to the post.
     - Your reports (top right) follows what was decided.
  3. Work the queue
     - Log in to the desk as {moderator[0]}. The child sexual exploitation case is on top.
     - Enter opens it; v reveals the media (blurred and greyscale until you do, and
       recorded); ? lists every key your role has.
     - r → Remove post. Untick any "also reported" post that should stay; the dialog
       lists exactly what goes. Confirm with Enter.
     - The audit trail shows each action: delivered, then what Tidepool says (applied).
  4. See the post removed
     - Open {top_url}: "This post was removed".
     - Post the same picture again on Tidepool: refused, it is in the platform-removed bank.
  5. Report without an account
     - {sw_url}/report takes a child sexual exploitation report anonymously; it joins the
       queue above.
  6. Make a hashtag return nothing, however it is spelt
     - shieldwall hashtag block placeholdertag --reason demo
     - Search Tidepool for #placeholdertag, #pl4ceh0lder_tag or "placeholder tag" on every
       tab: the help message and no results; the tag page and trending show nothing, and
       the suggestions under the search box never offer it (give Tidepool 30 s: it keeps
       answers that long).
     - shieldwall hashtag check PlaceholderTag pl4ceh0ldertag sunset shows each verdict.
     - On the desk (as admin): Term rules lists the rule and tries spellings; Suggested tags
       lists tags found close to blocked ones, for a lead to approve or reject.
  7. Look under the hood
     - Platforms that cannot receive webhooks pull actions instead (GET /api/v1/actions,
       documented at {sw_url}/api/v1/docs) and acknowledge each one.
     - shieldwall audit verify checks the audit log's hash chain.
"""
