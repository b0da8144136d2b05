"""Run the auth API on a developer's machine: routes from template.yaml, an embedded Cognito emulator (moto)."""
