"""Labels of the pages where signed-in users change their password and see their sessions,
and of the approval that waits for staff, in Japanese and English."""

from __future__ import annotations

SETTINGS_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "nav.password": ("パスワード", "Password"),
    "nav.sessions": ("セッション", "Sessions"),
    "settings.password_title": ("パスワードの変更", "Change your password"),
    "settings.current_password": ("現在のパスワード", "Current password"),
    "settings.change_password": ("パスワードを変更", "Change password"),
    "settings.password_changed": (
        "パスワードを変更しました。ほかのセッションはすべて終了しました。",
        "Your password is changed. Every other session has ended.",
    ),
    "settings.wrong_password": (
        "現在のパスワードが正しくありません。",
        "This is not your current password.",
    ),
    "settings.sessions_title": ("サインイン中のセッション", "Your sessions"),
    "settings.started": ("サインイン日時", "Signed in"),
    "settings.last_used": ("最終利用", "Last used"),
    "settings.this_session": ("このセッション", "This session"),
    "settings.this_browser": ("このブラウザー", "This browser"),
    "settings.sign_out_everywhere": ("すべての場所からサインアウト", "Sign out everywhere"),
    "settings.sign_out_everywhere_text": (
        "このブラウザーを含むすべてのセッションを終了します。確認のためパスワードを入力してください。",
        "This ends every session, this browser's too. Enter your password to confirm.",
    ),
    "status.approval_blocked": ("審査中です。", "Under review."),
    "blocked.title": ("承認が止まっています", "Approval blocked"),
    "blocked.text": (
        "商談は受注で終了しましたが、申込者のメールアドレスは既にサイト ユーザーのものです。"
        "1 つのアドレスは 1 人のサイト ユーザーにしか使えないため、"
        "申込者を管理者として追加できません。"
        "アドレスが空いたら (招待の期限切れや有効化前の削除)、承認を再試行してください。"
        "または申し込みを却下します (申込者には却下のメールが届きます)。",
        "The opportunity is won, but the requester's email already belongs to a site user. "
        "One address serves one site user, so the requester cannot be added as the partner's "
        "admin. Once the address is free (an invitation expired, or its user was removed "
        "before activating), retry the approval; or reject the request (the requester gets "
        "the rejection email).",
    ),
    "blocked.retry": ("承認を再試行", "Retry approval"),
    "blocked.reject": ("申し込みを却下", "Reject the request"),
}
