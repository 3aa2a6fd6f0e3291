; Inno Setup script for RehabCoach on Windows (https://jrsoftware.org/isinfo.php, version 6).
; Build the bundle first on a Windows machine (see packaging/README.md):
;   py -3.11 -m pip install -e ".[packaging]"  (this also puts the face model in place)
;   pyinstaller --noconfirm --workpath build\pyinstaller --distpath build\dist packaging\rehabcoach.spec
; then compile this script from the repository root:
;   iscc /DAppVersion=<version> packaging\windows\rehabcoach.iss
; The installer lands in build\dist\RehabCoach-<version>-setup.exe and installs per user (no admin rights).

#define AppName "RehabCoach"
; The version lives in rehabcoach/__init__.py only; the build passes it on the command line:
;   iscc /DAppVersion=0.1.0 packaging\windows\rehabcoach.iss   (.github/workflows/release.yml does)
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (from rehabcoach/__init__.py)
#endif
#define AppId "org.rehabcoach.RehabCoach"
#define Root "..\.."

[Setup]
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=The RehabCoach developers
AppComments=Coach for facial rehabilitation after facial palsy. Supports your therapy; does not diagnose.
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\build\dist
OutputBaseFilename=RehabCoach-{#AppVersion}-setup
SetupIconFile={#Root}\assets\icons\rehabcoach.ico
UninstallDisplayIcon={app}\rehabcoach-gui.exe
LicenseFile={#Root}\packaging\windows\license.txt
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole onedir bundle: rehabcoach-gui.exe (windowed), rehabcoach.exe (console: commands, --self-test), _internal\
Source: "{#Root}\build\dist\rehabcoach\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\rehabcoach-gui.exe"; IconFilename: "{app}\rehabcoach-gui.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\rehabcoach-gui.exe"; Tasks: desktopicon

[Run]
; Prove the installation works before offering to start it (no camera or network needed).
Filename: "{app}\rehabcoach.exe"; Parameters: "--self-test"; StatusMsg: "Checking the installation..."; Flags: runhidden waituntilterminated
Filename: "{app}\rehabcoach-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
