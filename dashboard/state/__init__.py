"""Param stores of the dashboard, one module per page (no Panel import anywhere here):
testable without a server. Pages and components import the stores from this package."""

from .campaign import CampaignState
from .common import (
                     CAMPAIGN_ENV,
                     STORE_ENV,
                     day_value,
                     default_campaign_dir,
                     open_store,
                     readable_transport,
)
from .evolution import EvolutionState, campaign_results
from .pake import PakeState
from .processing import ZERO_FILLS, ProcessingState
from .relaxation import RelaxationState
from .scan import scan_statuses
from .transport import TransportState

__all__ = ["CAMPAIGN_ENV", "STORE_ENV", "ZERO_FILLS", "CampaignState", "EvolutionState",
           "PakeState", "ProcessingState", "RelaxationState", "TransportState",
           "campaign_results", "day_value", "default_campaign_dir", "open_store",
           "readable_transport", "scan_statuses"]
