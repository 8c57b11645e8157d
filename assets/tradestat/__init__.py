"""India's own trade statistics: the Ministry of Commerce's TradeStat portal (DGCI&S data)."""
