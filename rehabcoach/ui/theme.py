"""Colours and type sizes: calm, few colours, large text; a high-contrast variant.

Status is always given in words as well; colour only reinforces it.  Warnings use amber/orange,
never a flashing red: the patient should soften a movement, not be alarmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    surface: str
    text: str
    muted_text: str
    accent: str  # calm teal: buttons, progress, normal outlines
    accent_text: str  # text drawn on the accent colour
    warning: str  # amber: unwanted movement outlines and messages
    warning_surface: str  # background of a warning message
    warning_text: str
    good: str  # target reached
    overlay: str  # resting outline on the camera image (light, so the face stays visible)
    border: str


CALM = Theme(
    name="calm",
    background="#F4F7F7",
    surface="#FFFFFF",
    text="#17262B",
    muted_text="#3F5157",
    accent="#1D6F78",
    accent_text="#FFFFFF",
    warning="#F08C00",
    warning_surface="#FFF1DB",
    warning_text="#6B3A00",
    good="#2E8B6A",
    overlay="#B9F2EE",
    border="#C8D5D6",
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    background="#000000",
    surface="#111111",
    text="#FFFFFF",
    muted_text="#F0F0F0",
    accent="#FFD400",
    accent_text="#000000",
    warning="#FF9A1F",
    warning_surface="#3A2200",
    warning_text="#FFFFFF",
    good="#5CF2A8",
    overlay="#FFFFFF",
    border="#FFFFFF",
)


def theme_for(high_contrast: bool) -> Theme:
    return HIGH_CONTRAST if high_contrast else CALM


CONTROLS_MAX_PT = 22
CHROME_MAX_PT = 18


@dataclass(frozen=True)
class TypeScale:
    """Point sizes derived from the one user setting (instruction size)."""

    instruction: int

    @property
    def body(self) -> int:
        return max(14, self.instruction - 4)

    @property
    def heading(self) -> int:
        return self.instruction + 8

    @property
    def banner(self) -> int:
        return self.instruction + 14

    @property
    def controls(self) -> int:
        # The row of session buttons grows with the text, up to the size at which seven of them still
        # fit across a 1280-pixel laptop screen.
        return min(self.body, CONTROLS_MAX_PT)

    @property
    def chrome(self) -> int:
        # The menu bar and the status bar: readable, but they must not eat a laptop's height at 40 pt.
        return min(self.body, CHROME_MAX_PT)


def palette_for(theme: Theme) -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(theme.background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.Base, QColor(theme.surface))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor(theme.background))
    palette.setColor(QPalette.ColorRole.Text, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.Button, QColor(theme.surface))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(theme.text))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(theme.accent))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(theme.accent_text))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(theme.surface))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(theme.text))
    return palette


def base_font(scale: TypeScale) -> QFont:
    font = QFont()
    font.setPointSize(scale.body)
    return font


def stylesheet(theme: Theme, scale: TypeScale) -> str:
    """One stylesheet for the whole window; widgets opt in with an objectName or a 'role' property."""
    t = theme
    return f"""
    QWidget {{ color: {t.text}; background: {t.background}; font-size: {scale.body}pt; }}
    QLabel[role="heading"] {{ font-size: {scale.heading}pt; font-weight: 600; }}
    QLabel[role="subheading"] {{ font-size: {scale.instruction}pt; font-weight: 600; }}
    QLabel[role="instruction"] {{ font-size: {scale.instruction}pt; }}
    QLabel[role="banner"] {{ font-size: {scale.banner}pt; font-weight: 700; color: {t.accent}; }}
    QLabel[role="countdown"] {{ font-size: {scale.heading}pt; font-weight: 600; }}
    QLabel[role="muted"] {{ color: {t.muted_text}; }}
    QLabel[role="disclaimer"] {{ color: {t.muted_text}; font-size: {scale.body}pt;
        border-top: 1px solid {t.border}; padding-top: 8px; }}
    QLabel[role="warning"] {{ background: {t.warning_surface}; color: {t.warning_text};
        border-left: 8px solid {t.warning}; padding: 6px 12px; font-size: {scale.instruction}pt; font-weight: 600; }}
    QLabel[role="notice"] {{ background: {t.surface}; border-left: 8px solid {t.accent}; padding: 6px 12px;
        font-size: {scale.instruction}pt; }}
    QFrame[role="card"] {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}
    QFrame[role="card"] QLabel {{ background: {t.surface}; }}
    QPushButton {{ background: {t.surface}; color: {t.text}; border: 2px solid {t.accent};
        border-radius: 8px; padding: 10px 18px; min-height: 28px; }}
    QPushButton:focus {{ border: 3px solid {t.text}; }}
    QPushButton[role="primary"] {{ background: {t.accent}; color: {t.accent_text}; font-weight: 600; }}
    QWidget#session-controls QPushButton {{ font-size: {scale.controls}pt; }}
    QWidget#session-controls QProgressBar {{ min-height: 14px; }}
    QMenuBar, QStatusBar, QStatusBar QLabel {{ font-size: {scale.chrome}pt; }}
    QPushButton:disabled {{ color: {t.muted_text}; border-color: {t.border}; }}
    QListWidget {{ background: {t.surface}; border: 1px solid {t.border}; padding: 4px; }}
    QListWidget::item {{ padding: 10px; }}
    QListWidget::item:selected {{ background: {t.accent}; color: {t.accent_text}; }}
    QTabBar::tab {{ padding: 10px 22px; background: {t.surface}; border: 1px solid {t.border}; }}
    QTabBar::tab:selected {{ background: {t.accent}; color: {t.accent_text}; }}
    QProgressBar {{ border: 1px solid {t.border}; border-radius: 6px; background: {t.surface};
        min-height: 22px; text-align: center; color: {t.text}; }}
    QProgressBar::chunk {{ background: {t.accent}; border-radius: 6px; }}
    QScrollArea {{ border: none; }}
    QComboBox, QSpinBox {{ background: {t.surface}; padding: 6px; border: 1px solid {t.border}; }}
    QCheckBox, QRadioButton {{ spacing: 10px; padding: 4px 0; }}
    QCheckBox::indicator, QRadioButton::indicator {{ width: 22px; height: 22px; }}
    """
