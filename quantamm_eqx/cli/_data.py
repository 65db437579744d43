"""The prices of a run, from the price-data options (--data, --format, --assets, --fill,
--duplicates)."""

import argparse


def load_prices(args: argparse.Namespace):
    """The `PriceData` the options name: at least 2 assets, since a pool needs them."""
    loaded = _read_sources(args)
    if loaded.n_assets < 2:
        raise ValueError(
            f"A pool needs at least 2 assets; the data has {loaded.n_assets} "
            f"({', '.join(loaded.assets)}). Choose more with --assets, or use a file with more "
            "price columns."
        )
    return loaded


def _read_sources(args: argparse.Namespace):
    from .. import data

    sources = args.data
    if sources == ["stocks"]:
        if args.fill == "none":
            raise ValueError(
                "The built-in stocks are daily closes: every minute between two closes is a "
                "gap. Use --fill log-linear (the default for stocks) or --fill ffill."
            )
        return data.load_stocks(args.assets or data.DEFAULT_STOCKS, fill=args.fill or "log-linear")
    options = {"fill": None if args.fill == "none" else args.fill, "duplicates": args.duplicates}
    if args.format == "binance":
        files: dict[str, list[str]] = {}
        for source in sources:
            asset, separator, paths = source.partition("=")
            if not separator or not asset or not paths:
                raise ValueError(
                    f"--format binance needs ASSET=FILE[,FILE...] sources; got {source!r}."
                )
            if asset in files:
                raise ValueError(
                    f"--data names {asset} twice; give each asset once, with its files "
                    f"separated by commas: {asset}=FILE,FILE,..."
                )
            files[asset] = paths.split(",")
        loaded = data.read_binance(files, **options)
        return loaded.select(args.assets) if args.assets else loaded
    if len(sources) != 1:
        raise ValueError(f"--format {args.format} takes one file; got {len(sources)}.")
    reader = data.read_long if args.format == "long" else data.read_wide
    return reader(sources[0], assets=args.assets, **options)
