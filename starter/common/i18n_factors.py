"""Labels of the second factor's pages in Japanese and English (SPEC.md, "Second factor",
names the English labels that tests use: `Authentication code`, `Verify`)."""

from __future__ import annotations

FACTOR_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "factor.code": ("認証コード", "Authentication code"),
    "factor.verify": ("確認", "Verify"),
    "factor.enrol_title": ("認証アプリの設定", "Set up your authenticator app"),
    "factor.enrol_text": (
        "認証アプリ (Google Authenticator、Microsoft Authenticator など) で QR コードを"
        "読み取るか、セットアップキーを入力してください。アプリに表示される 6 桁のコードを"
        "入力すると設定が完了します。",
        "Scan the QR code with an authenticator app (Google Authenticator, Microsoft "
        "Authenticator, ...) or type the setup key into it. Then enter the 6-digit code the "
        "app shows.",
    ),
    "factor.qr_title": ("認証アプリ用の QR コード", "QR code for your authenticator app"),
    "factor.setup_key": ("セットアップキー", "Setup key"),
    "factor.verify_title": ("認証コードの入力", "Enter your authentication code"),
    "factor.verify_text": (
        "認証アプリに表示される 6 桁のコードを入力してください。"
        "アプリが使えない場合は、回復コードを 1 つ入力できます。",
        "Enter the 6-digit code your authenticator app shows. Without the app, enter one of "
        "your recovery codes.",
    ),
    "factor.wrong_code": (
        "コードが正しくないか、既に使われています。",
        "This code is not right, or it was used already.",
    ),
    "factor.locked": (
        "誤ったコードが続いたため、コードを受け付けられません。パスワードを再設定するか、"
        "管理者に 2 段階認証のリセットを依頼してください。",
        "Too many wrong codes in a row: no code is accepted now. Reset your password, or ask "
        "an administrator to reset your two-step verification.",
    ),
    "factor.recovery_title": ("回復コード", "Your recovery codes"),
    "factor.recovery_text": (
        "認証アプリを失ったときは、次のコードのどれか 1 つでサインインできます。"
        "各コードは 1 回だけ使えます。このページは二度と表示されないため、"
        "今すぐ安全な場所に保管してください。",
        "If you lose your authenticator app, each of these codes signs you in once. This "
        "page is shown only now: keep them somewhere safe.",
    ),
    "factor.continue": ("続ける", "Continue"),
    "factor.account_title": ("2 段階認証", "Two-step verification"),
    "factor.is_on": (
        "2 段階認証は有効です。サインインのたびに認証コードを入力します。",
        "Two-step verification is on: each sign-in asks for an authentication code.",
    ),
    "factor.is_off": (
        "2 段階認証は無効です。有効にすると、サインインのたびに認証コードを入力します。",
        "Two-step verification is off. Turned on, each sign-in asks for an authentication code.",
    ),
    "factor.turned_on": ("2 段階認証を有効にしました。", "Two-step verification is on."),
    "factor.required": ("全員に 2 段階認証を求める", "Require two-step verification of everyone"),
    "factor.required_on": (
        "この組織では全員に 2 段階認証が必要です。",
        "Everyone in this organization must use two-step verification.",
    ),
    "factor.required_off": (
        "この組織では 2 段階認証は任意です。",
        "Two-step verification is optional in this organization.",
    ),
    "users.done.factor-saved": ("設定を保存しました。", "The setting is saved."),
    "factor.save": ("保存", "Save"),
}
