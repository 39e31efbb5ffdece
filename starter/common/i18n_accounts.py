"""Labels of the account and organization pages in Japanese and English (SPEC.md names the
English labels that tests use)."""

from __future__ import annotations

ACCOUNT_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (ja, en)
    "account.sign_in": ("サインイン", "Sign in"),
    "account.sign_out": ("サインアウト", "Sign out"),
    "account.email": ("メールアドレス", "Email"),
    "account.password": ("パスワード", "Password"),
    "account.new_password": ("新しいパスワード", "New password"),
    "account.repeat_password": ("新しいパスワード (確認)", "Repeat the new password"),
    "account.set_password": ("パスワードを設定", "Set password"),
    "account.wrong_password": (
        "メールアドレスまたはパスワードが正しくありません。",
        "The email or the password is not right.",
    ),
    "account.throttled": (
        "試行回数が多すぎます。{seconds} 秒後にもう一度お試しください。",
        "Too many attempts. Please try again in {seconds} seconds.",
    ),
    "account.forgot": ("パスワードをお忘れの場合", "Forgot your password?"),
    "account.forgot_title": ("パスワードの再設定", "Forgot your password?"),
    "account.forgot_text": (
        "メールアドレスを入力してください。パスワードを設定するためのリンクをお送りします。",
        "Enter your email, and we will send you a link to set a new password.",
    ),
    "account.link_unusable": ("このリンクは使えません", "This link no longer works"),
    "account.link_unusable_text": (
        "リンクは使用済みか、期限が切れています。"
        "メールアドレスを入力すると、新しいリンクをお送りします。",
        "It was used already, or it expired. Enter your email and we will send you a new link.",
    ),
    "account.send_link": ("リンクを送る", "Send me a link"),
    "account.link_sent_title": ("メールをご確認ください", "Check your email"),
    "account.link_sent": (
        "{email} がアカウントのメールアドレスであれば、リンクをお送りしました。"
        "リンクは一度だけ使えます。",
        "If {email} belongs to an account, we have sent it a link. The link works once.",
    ),
    "account.set_password_title": ("パスワードの設定", "Set your password"),
    "account.reset_title": ("新しいパスワードの設定", "Choose a new password"),
    "account.password_hint": (
        "15 文字以上。いくつかの単語を並べたフレーズは覚えやすく、安全です。",
        "At least 15 characters. A phrase of a few words is easy to remember and hard to guess.",
    ),
    "account.notice.password_set": (
        "パスワードを設定しました。サインインしてください。",
        "Your password is set. Please sign in.",
    ),
    "account.notice.signed_out": ("サインアウトしました。", "You have signed out."),
    "password.too_short": ("15 文字以上にしてください。", "Use at least 15 characters."),
    "password.too_long": ("1000 文字以内にしてください。", "Use at most 1000 characters."),
    "password.common": (
        "よく使われるパスワードです。推測されにくいフレーズにしてください。",
        "This password is too common. Choose a phrase others would not guess.",
    ),
    "password.contains_email": (
        "メールアドレスを含めないでください。",
        "Do not use your email address in the password.",
    ),
    "password.contains_company": (
        "会社名を含めないでください。",
        "Do not use the company name in the password.",
    ),
    "password.mismatch": (
        "2 つのパスワードが一致しません。",
        "The two passwords are not the same.",
    ),
    "nav.my_organization": ("組織", "My organization"),
    "nav.account": ("アカウント", "Account"),
    "org.title": ("組織", "My organization"),
    "org.customer_id": ("顧客 ID", "Customer id"),
    "org.credit_limit": ("与信限度額", "Credit limit"),
    "org.available_credit": ("利用可能額", "Available credit"),
    "org.members": ("メンバー", "Members"),
    "org.name": ("氏名", "Name"),
    "org.role": ("役割", "Role"),
    "org.role.admin": ("管理者", "Administrator"),
    "org.role.user": ("ユーザー", "User"),
    "org.status.invited": ("招待中", "Invited"),
    "org.status.active": ("有効", "Active"),
    "org.status.removed": ("削除済み", "Removed"),
    "org.status.expired": ("期限切れ", "Expired"),
    "org.status.none": ("—", "—"),
    "org.your_spending_limit": ("あなたの 1 回の注文の上限", "Your spending limit"),
    "org.no_spending_limit": (
        "上限なし (与信限度額の範囲内)",
        "None: the credit limit applies",
    ),
    "org.signed_in_as": ("サインイン中: ", "Signed in as "),
    "org.status.blocked": ("停止中", "Blocked"),
    "users.add": ("ユーザーを追加", "Add a user"),
    "users.audit": ("変更履歴", "Audit log"),
    "users.first_name": ("名", "First name"),
    "users.last_name": ("姓", "Last name"),
    "users.job_title": ("役職", "Job title"),
    "users.phone": ("電話番号", "Phone"),
    "users.spending_limit": ("1 回の注文の上限", "Spending limit"),
    "users.spending_limit_hint": (
        "1 回の注文の上限額 (組織の通貨)。空欄なら与信限度額の範囲内で制限しません。",
        "Per order, in the organization's currency. Leave empty for no limit but the credit limit.",
    ),
    "users.send_invitation": ("招待を送る", "Send invitation"),
    "users.save": ("保存", "Save"),
    "users.remove": ("削除", "Remove"),
    "users.restore": ("復元", "Restore"),
    "users.resend": ("招待を再送", "Resend invitation"),
    "users.actions": ("操作", "Actions"),
    "users.make_admin": ("管理者の役割を引き継ぐ", "Hand over the admin role"),
    "users.handover_text": (
        "このユーザーを組織の管理者にします。あなたはユーザーになります。確認のためパスワードを入力してください。",
        "Make this user the organization's administrator; you become a user. "
        "Enter your password to confirm.",
    ),
    "users.your_password": ("あなたのパスワード", "Your password"),
    "users.email_taken": (
        "このメールアドレスは既にユーザーか申し込み中のものです。",
        "This email already belongs to a user or to a request in progress.",
    ),
    "users.over_credit_limit": (
        "与信限度額を超えています。",
        "This is more than the organization's credit limit.",
    ),
    "users.negative_limit": ("0 以上にしてください。", "Use zero or more."),
    "users.limit_format": (
        "金額を数字で入力してください (小数点以下 2 桁まで)。",
        "Enter an amount in figures, with at most two decimals.",
    ),
    "users.not_now": (
        "このユーザーの今の状態ではできません。",
        "This cannot be done in the user's current state.",
    ),
    "users.admin_stays": (
        "管理者は削除できません。先に管理者の役割を引き継いでください。",
        "The administrator cannot be removed: hand the admin role over first.",
    ),
    "users.not_found": ("このユーザーは見つかりません。", "There is no such user."),
    "users.done.invited": ("招待を送りました。", "The invitation is on its way."),
    "users.done.make-admin": (
        "管理者の役割を引き継ぎました。",
        "You handed over the admin role.",
    ),
    "users.when": ("日時", "When"),
    "users.who": ("変更した人", "Who"),
    "users.what": ("内容", "What"),
    "users.before": ("変更前", "Before"),
    "users.after": ("変更後", "After"),
}
