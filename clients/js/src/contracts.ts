/**
 * What the SDK reads from the quantis.v1 contracts themselves: the six services,
 * which RPCs take no credentials, and which are safe to send twice.
 *
 * The access rule of every RPC is a method option in the contract, so reading it
 * here keeps the client from carrying a list of its own that could drift from the
 * server's.
 */
import { getOption, type DescMethod } from "@bufbuild/protobuf";

import { AuthService } from "./gen/quantis/v1/auth_service_pb.js";
import { auth } from "./gen/quantis/v1/common_pb.js";
import { DatasetService } from "./gen/quantis/v1/dataset_service_pb.js";
import { FinancialService } from "./gen/quantis/v1/financial_service_pb.js";
import { ModelService } from "./gen/quantis/v1/model_service_pb.js";
import { MonitoringService } from "./gen/quantis/v1/monitoring_service_pb.js";
import { PredictionService } from "./gen/quantis/v1/prediction_service_pb.js";

export const services = {
  auth: AuthService,
  datasets: DatasetService,
  models: ModelService,
  predictions: PredictionService,
  financial: FinancialService,
  monitoring: MonitoringService,
} as const;

/** Whether the RPC takes no credentials (Register, Login, VerifyMfa, RefreshToken). */
export function isPublic(method: DescMethod): boolean {
  return getOption(method, auth).public;
}

const READ_PREFIXES = ["Get", "List", "Preview", "Download", "Watch", "Calculate", "Check"];
const REPEATABLE_WRITES = new Set(["UploadChunk", "CompleteUpload", "SubmitActuals"]);

/**
 * Whether the RPC is safe to send twice: reads, the pure calculators, and the writes
 * whose contracts say a repeat has no further effect (the same set as the Python SDK).
 */
export function isIdempotent(method: DescMethod): boolean {
  return READ_PREFIXES.some((prefix) => method.name.startsWith(prefix)) || REPEATABLE_WRITES.has(method.name);
}
