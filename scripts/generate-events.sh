#!/usr/bin/env bash
# Regenerates events/*.json with `sam local generate-event` (API Gateway REST proxy events, one per endpoint).
# Tests load these and override only the body or headers.
set -euo pipefail
cd "$(dirname "$0")/.."
export SAM_CLI_TELEMETRY=0
sam=${SAM:-.venv-sam/bin/sam}
gen() { # file method path body
  "$sam" local generate-event apigateway aws-proxy --stage api --method "$2" --path "${3#/}" --resource "$3" \
    --body "$4" > "events/$1.json"
}
gen signup POST /auth/signup '{"email": "jane@example.com", "name": "Jane Doe", "password": "Example-Passw0rd"}'
gen confirm POST /auth/confirm '{"email": "jane@example.com", "code": "123456"}'
gen resend_code POST /auth/resend-code '{"email": "jane@example.com"}'
gen signin POST /auth/signin '{"email": "jane@example.com", "password": "Example-Passw0rd"}'
gen refresh POST /auth/refresh '{"refresh_token": "example-refresh-token"}'
gen signout POST /auth/signout ''
gen forgot_password POST /auth/forgot-password '{"email": "jane@example.com"}'
gen reset_password POST /auth/reset-password '{"email": "jane@example.com", "otp": "123456", "new_password": "Example-Passw0rd-2"}'
gen get_data GET /getData ''
gen get_profile GET /auth/me ''
gen update_profile PATCH /auth/me '{"name": "Jane Q. Doe"}'
gen delete_account DELETE /auth/me ''
gen change_password POST /auth/change-password '{"current_password": "Example-Passw0rd", "new_password": "Example-Passw0rd-2"}'
gen change_email POST /auth/change-email '{"new_email": "jane.doe@example.com"}'
gen verify_email POST /auth/verify-email '{"code": "123456"}'
gen revoke POST /auth/revoke '{"refresh_token": "example-refresh-token"}'
gen answer_challenge POST /auth/challenge '{"session": "example-session", "code": "123456"}'
gen email_sign_in POST /auth/signin/email-code '{"email": "jane@example.com"}'
gen setup_totp POST /auth/mfa/totp ''
gen verify_totp POST /auth/mfa/totp/verify '{"code": "123456"}'
gen get_mfa GET /auth/mfa ''
gen set_mfa PUT /auth/mfa '{"totp": true, "preferred": "totp"}'
