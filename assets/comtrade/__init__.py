"""UN Comtrade trade flows: policy, query planning + fetch (client), normalisation.

The Dagster asset that uses these lives in ``assets/comtrade/assets.py`` (written separately).
"""

from assets.comtrade.client import (
    ComtradeAPIError,
    ComtradeAuthError,
    ComtradeClient,
    ComtradeError,
    ComtradeIncompleteAnswerError,
    ComtradeParamError,
    ComtradeQuery,
    ComtradeResponse,
    ComtradeStateError,
    Endpoint,
    FetchResult,
    FetchState,
    QuotaExhaustedError,
    UnsplittableQueryError,
    plan_queries,
)
from assets.comtrade.normalise import (
    ComtradeRecordError,
    ComtradeSchemaError,
    NormalisedTrade,
    TradeFlowSchema,
    WorldTotalSchema,
    normalise_batches,
    normalise_records,
)
from assets.comtrade.policy import COMTRADE_POLICY, comtrade_policy

__all__ = [
    "COMTRADE_POLICY",
    "ComtradeAPIError",
    "ComtradeAuthError",
    "ComtradeClient",
    "ComtradeError",
    "ComtradeIncompleteAnswerError",
    "ComtradeParamError",
    "ComtradeQuery",
    "ComtradeRecordError",
    "ComtradeResponse",
    "ComtradeSchemaError",
    "ComtradeStateError",
    "Endpoint",
    "FetchResult",
    "FetchState",
    "NormalisedTrade",
    "QuotaExhaustedError",
    "TradeFlowSchema",
    "UnsplittableQueryError",
    "WorldTotalSchema",
    "comtrade_policy",
    "normalise_batches",
    "normalise_records",
    "plan_queries",
]
