"""The mini-program's API (`/mp/v1/`): what a member signed in through WeChat reads and does."""
