"""AuthService: accounts, sessions, MFA, API keys and user administration."""

from __future__ import annotations

from typing import Any

import grpc
from quantis.v1 import auth_service_pb2 as pb
from quantis.v1 import auth_service_pb2_grpc

from server.domain.accounts import AccountService
from server.domain.api_keys import ApiKeyService
from server.domain.pagination import page_request, token_scope
from server.domain.users import UserChanges, UserFilter, UserService
from server.errors import InvalidArgument
from server.mappers import auth as mappers
from server.mappers.common import optional_datetime, role_from_proto
from server.servicers.context import client_info, principal

Context = grpc.aio.ServicerContext[Any, Any]
UPDATABLE_USER_FIELDS = {"role", "active", "email"}


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    """quantis.v1.AuthService."""

    def __init__(self, accounts: AccountService, api_keys: ApiKeyService, users: UserService):
        self._accounts = accounts
        self._api_keys = api_keys
        self._users = users

    async def Register(self, request: pb.RegisterRequest, context: Context) -> pb.RegisterResponse:
        user = await self._accounts.register(request.username, request.email, request.password)
        return pb.RegisterResponse(user=mappers.user_to_proto(user))

    async def Login(self, request: pb.LoginRequest, context: Context) -> pb.LoginResponse:
        result = await self._accounts.login(request.username, request.password, client_info(context))
        return mappers.login_to_proto(result)

    async def VerifyMfa(self, request: pb.VerifyMfaRequest, context: Context) -> pb.VerifyMfaResponse:
        tokens = await self._accounts.verify_mfa(request.challenge_token, request.code, client_info(context))
        return pb.VerifyMfaResponse(tokens=mappers.tokens_to_proto(tokens))

    async def RefreshToken(
        self, request: pb.RefreshTokenRequest, context: Context
    ) -> pb.RefreshTokenResponse:
        tokens = await self._accounts.refresh(request.refresh_token)
        return pb.RefreshTokenResponse(tokens=mappers.tokens_to_proto(tokens))

    async def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        await self._accounts.logout(principal())
        return pb.LogoutResponse()

    async def GetCurrentUser(
        self, request: pb.GetCurrentUserRequest, context: Context
    ) -> pb.GetCurrentUserResponse:
        caller = principal()
        user = await self._accounts.current_user(caller)
        return pb.GetCurrentUserResponse(
            user=mappers.user_to_proto(user), permissions=sorted(caller.permissions)
        )

    async def ChangePassword(
        self, request: pb.ChangePasswordRequest, context: Context
    ) -> pb.ChangePasswordResponse:
        ended = await self._accounts.change_password(
            principal(), request.current_password, request.new_password
        )
        return pb.ChangePasswordResponse(revoked_session_count=ended)

    async def EnrollMfa(self, request: pb.EnrollMfaRequest, context: Context) -> pb.EnrollMfaResponse:
        enrollment = await self._accounts.enroll_mfa(principal())
        return pb.EnrollMfaResponse(secret=enrollment.secret, otpauth_uri=enrollment.otpauth_uri)

    async def ConfirmMfa(self, request: pb.ConfirmMfaRequest, context: Context) -> pb.ConfirmMfaResponse:
        user = await self._accounts.confirm_mfa(principal(), request.code)
        return pb.ConfirmMfaResponse(user=mappers.user_to_proto(user))

    async def DisableMfa(self, request: pb.DisableMfaRequest, context: Context) -> pb.DisableMfaResponse:
        user = await self._accounts.disable_mfa(principal(), request.code)
        return pb.DisableMfaResponse(user=mappers.user_to_proto(user))

    async def CreateApiKey(
        self, request: pb.CreateApiKeyRequest, context: Context
    ) -> pb.CreateApiKeyResponse:
        expires = optional_datetime(request.expire_time, request.HasField("expire_time"), "expire_time")
        secret, key = await self._api_keys.create(principal(), request.name, list(request.scopes), expires)
        return pb.CreateApiKeyResponse(secret=secret, api_key=mappers.api_key_to_proto(key))

    async def ListApiKeys(self, request: pb.ListApiKeysRequest, context: Context) -> pb.ListApiKeysResponse:
        keys, token, total = await self._api_keys.list(
            principal(),
            page_request(request.page_size, request.page_token, token_scope("ListApiKeys", request.filter)),
            request.filter,
        )
        return pb.ListApiKeysResponse(
            api_keys=[mappers.api_key_to_proto(k) for k in keys], next_page_token=token, total_size=total
        )

    async def RevokeApiKey(
        self, request: pb.RevokeApiKeyRequest, context: Context
    ) -> pb.RevokeApiKeyResponse:
        key = await self._api_keys.revoke(principal(), request.api_key_id)
        return pb.RevokeApiKeyResponse(api_key=mappers.api_key_to_proto(key))

    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: Context
    ) -> pb.ListSessionsResponse:
        caller = principal()
        found, token, total = await self._users.list_sessions(
            caller,
            page_request(request.page_size, request.page_token, token_scope("ListSessions", request.filter)),
            request.filter,
        )
        return pb.ListSessionsResponse(
            sessions=[mappers.session_to_proto(s, caller.session_id) for s in found],
            next_page_token=token,
            total_size=total,
        )

    async def RevokeSession(
        self, request: pb.RevokeSessionRequest, context: Context
    ) -> pb.RevokeSessionResponse:
        await self._users.revoke_session(principal(), request.session_id)
        return pb.RevokeSessionResponse()

    async def ListUsers(self, request: pb.ListUsersRequest, context: Context) -> pb.ListUsersResponse:
        where = UserFilter(
            role=role_from_proto(request.role, "role") if request.role else None,
            active=request.active if request.HasField("active") else None,
            username_contains=request.username,
            expression=request.filter,
        )
        found, token, total = await self._users.list_users(
            page_request(request.page_size, request.page_token, token_scope("ListUsers", where)), where
        )
        return pb.ListUsersResponse(
            users=[mappers.user_to_proto(u) for u in found], next_page_token=token, total_size=total
        )

    async def GetUser(self, request: pb.GetUserRequest, context: Context) -> pb.GetUserResponse:
        return pb.GetUserResponse(user=mappers.user_to_proto(await self._users.get_user(request.user_id)))

    async def UpdateUser(self, request: pb.UpdateUserRequest, context: Context) -> pb.UpdateUserResponse:
        paths = set(request.update_mask.paths)
        if not paths or paths - UPDATABLE_USER_FIELDS:
            raise InvalidArgument.field(
                "update_mask", "must name some of: " + ", ".join(sorted(UPDATABLE_USER_FIELDS))
            )
        changes = UserChanges(
            role=role_from_proto(request.user.role, "user.role") if "role" in paths else None,
            active=request.user.active if "active" in paths else None,
            email=request.user.email if "email" in paths else None,
        )
        user = await self._users.update_user(principal(), request.user.user_id, changes)
        return pb.UpdateUserResponse(user=mappers.user_to_proto(user))

    async def DeleteUser(self, request: pb.DeleteUserRequest, context: Context) -> pb.DeleteUserResponse:
        await self._users.delete_user(principal(), request.user_id)
        return pb.DeleteUserResponse()
