"""What adapters may read from (and ask of) the core, and nothing else.

An adapter imports `hub.channels`, `hub.ports`, `hub.api`, `hub.errors`, `hub.clock` and
`hub.config`; never a hub model or service, nor one of this package's modules, whose names
this face hands on (`make lint` checks it). Everything here takes a session the adapter opened
from its context and hands back plain, frozen values: an adapter can keep them, log them (no
secrets in them but `OutletInfo.secret`), and never writes the core's rows through them. What
the core does on an adapter's behalf (binding its outlets, confirming a delivery, auditing) is
a function here too, so its rules stay in one place.

Its modules: accounts; channel_outlets; posts (and their pictures); editors (roles, audit);
members; kpis; option_migrations; building_blocks (tables, blobs, HTTP, pull helpers).
"""

# This face only hands its modules' names on: every import here is a re-export.
# ruff: noqa: F401

from hub.channels import MediaRef, OutletInfo, PostSnapshot
from hub.ports.accounts import (
    AccountInfo,
    ColumnInfo,
    ServiceLinkInfo,
    TopicInfo,
    account,
    account_by_id,
    account_topics,
    accounts_by_id,
    all_accounts,
    children,
    descendants,
    find_account,
    service_links,
    subtree_ids,
)
from hub.ports.building_blocks import (
    Base,
    LruCache,
    Store,
    Unavailable,
    UTCDateTime,
    batches,
    blobs,
    conditional,
    lean,
    raw_query,
    root_of,
    send,
    utcnow,
)
from hub.ports.channel_outlets import (
    accounts_with_outlets,
    bind_outlet,
    decrypt,
    encrypt,
    outlet,
    outlet_keys,
    outlet_where_config,
    outlets,
    set_outlet_config,
)
from hub.ports.editors import audit, bearer_editor, require_editor, require_role, roles_of
from hub.ports.kpis import (
    count_kpis,
    count_outlet_kpis,
    count_site_read,
    outlet_reads_reported,
    report_outlet_reads,
)
from hub.ports.members import (
    MemberProfileOut,
    allowances_left,
    course_reminders,
    member_phone,
    notifiable_followers,
    reminder_not_sent,
    sign_in_member,
    use_allowance,
)
from hub.ports.option_migrations import move_options_into_posts, move_options_out_of_posts
from hub.ports.posts import (
    PostInfo,
    PostOptions,
    confirm_delivery,
    media,
    media_bytes,
    media_in_url,
    post_info,
    post_snapshot,
    posts_in_column,
    reached_accounts,
)
