"""aiogram routers, one module per workflow: parse the update, call a service, render the reply."""

from aiogram import Router

from handlers import (
    absence,
    audit,
    bulletin,
    case_list,
    case_phone,
    case_places,
    case_release,
    cases,
    checkin,
    common,
    declarations,
    errors,
    excuse,
    exports,
    groups,
    hold,
    members,
    mydata,
    notice_compose,
    notice_ledger,
    notices,
    onboarding,
    reports,
    result_buttons,
    result_fixes,
    risk,
    start,
    stats,
    unit_picker,
)
from handlers.filters import check_filters_inline


def build_router() -> Router:
    root = Router(name="root")
    root.include_routers(
        errors.create_router(),
        # /cancel of a declaration also forgets its expiry lease (before common's /cancel).
        declarations.create_cancel_router(),
        # Everyone's commands come before the dialogs, so /cancel or /help always work, even
        # in the middle of a question that would otherwise take any text as its answer.
        common.create_router(),
        start.create_router(),
        onboarding.create_router(),
        members.create_router(),
        groups.create_router(),
        absence.create_router(),
        excuse.create_router(),
        reports.create_router(),
        checkin.create_router(),
        result_buttons.create_router(),
        result_fixes.create_router(),
        case_release.create_router(),
        case_phone.create_router(),
        case_places.create_router(),
        cases.create_router(),
        case_list.create_router(),
        audit.create_router(),
        stats.create_router(),
        bulletin.create_router(),
        exports.create_router(),
        hold.create_router(),
        mydata.create_router(),
        risk.create_router(),
        notice_compose.create_router(),
        notice_ledger.create_router(),
        notices.create_router(),
        declarations.create_router(),
        unit_picker.create_router(),
        common.create_fallback_router(),
    )
    check_filters_inline(root)
    return root
