"""`POST /me/password` is not a password oracle: a session gets as many wrong
`current_password` guesses per window as a sign-in gets, counted before each check (so
parallel guesses cannot slip past), and after that the session ends."""

from __future__ import annotations

import asyncio

from app.core.roles import Role
from tests.support.harness import TEST_PASSWORD, AppFactory, MakeUser, ManualClock, asgi_client

ME = "/api/v1/me"
NEW_PASSWORD = "a-completely-new-passphrase-77"


def guess(n: int) -> dict[str, str]:
    return {"current_password": f"wrong-guess-{n}", "new_password": NEW_PASSWORD}


async def test_parallel_guesses_end_the_session_after_the_limit(
    make_auth_app: AppFactory, make_user: MakeUser, manual_clock: ManualClock
):
    user = await make_user(Role.RECRUITER)
    application = await make_auth_app(
        login_max_failures_per_account=5, db_pool_size=10, db_pool_timeout_seconds=60
    )
    async with asgi_client(application) as http:
        answers = await asyncio.gather(
            *(http.post(f"{ME}/password", json=guess(n), headers=user.headers) for n in range(25))
        )
        statuses = sorted(r.status_code for r in answers)
        assert set(statuses) <= {401, 422}, statuses
        assert statuses.count(422) <= 5, statuses  # only as many checks as the limit allows
        # The session has ended: even the right password no longer works with it.
        assert (await http.get(ME, headers=user.headers)).status_code == 401
        right = {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}
        assert (
            await http.post(f"{ME}/password", json=right, headers=user.headers)
        ).status_code == 401
        # The person signs in again as usual.
        signed_in = await http.post(
            "/api/v1/auth/token", data={"username": user.user.email, "password": TEST_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text


async def test_the_right_password_clears_the_count(
    make_auth_app: AppFactory, make_user: MakeUser, manual_clock: ManualClock
):
    user = await make_user(Role.RECRUITER)
    application = await make_auth_app(login_max_failures_per_account=3)
    async with asgi_client(application) as http:
        for n in range(2):
            wrong = await http.post(f"{ME}/password", json=guess(n), headers=user.headers)
            assert wrong.status_code == 422
        weak = {"current_password": TEST_PASSWORD, "new_password": "password1234"}
        assert (
            await http.post(f"{ME}/password", json=weak, headers=user.headers)
        ).status_code == 422
        for n in range(3):  # a fresh count of three
            wrong = await http.post(f"{ME}/password", json=guess(n), headers=user.headers)
            assert wrong.status_code == 422
        ended = await http.post(f"{ME}/password", json=guess(9), headers=user.headers)
        assert ended.status_code == 401
        assert "session has ended" in ended.json()["detail"]
